// Streaming detokenization for generated text: feed ids one at a time and get text deltas that
// never split a UTF-8 sequence (a byte token or a piece ending mid-character is held back until
// the character completes). The concatenated deltas equal decoding all the bytes at once.

export class StreamDecoder {
  private readonly decoder = new TextDecoder('utf-8');

  /** `piece` gives the bytes of one token (Tokenizer.tokenToPieceBytes with the wanted options). */
  constructor(private readonly piece: (id: number) => Uint8Array) {}

  /** The text this token completes; possibly empty while a character is incomplete. */
  push(id: number): string {
    return this.decoder.decode(this.piece(id), { stream: true });
  }

  /** Ends the stream: bytes of a character that never completed come out as U+FFFD. */
  flush(): string {
    return this.decoder.decode();
  }
}
