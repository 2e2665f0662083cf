// A document the app cannot read: the message says what is wrong and what to do instead.
export class DocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentError';
  }
}
