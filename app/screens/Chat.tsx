export default function Chat() {
  return <section aria-labelledby="chat-title"><h2 id="chat-title">Chat</h2><p>Coming in this release.</p></section>;
}
