import { describe, expect, it } from 'vitest';
import { chatMessages, splitThinking, turnsBeforeLastAnswer } from '../../../app/tasks/chat.ts';

describe('chat messages', () => {
  it('puts the system prompt first and keeps turns in order', () => {
    expect(chatMessages('  Be brief. ', [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'again' }])).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'again' },
    ]);
    expect(chatMessages('   ', [{ role: 'user', content: 'hi' }])).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('regenerates from the turns before the last answer only', () => {
    const turns = [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] as const;
    expect(turnsBeforeLastAnswer(turns)).toEqual([{ role: 'user', content: 'a' }]);
    expect(turnsBeforeLastAnswer([{ role: 'user', content: 'a' }])).toBeUndefined();
    expect(turnsBeforeLastAnswer([])).toBeUndefined();
  });
});

describe('splitThinking', () => {
  it('separates a closed <think> block from the answer', () => {
    expect(splitThinking('<think>\nweigh options\n</think>\n\nThe answer.')).toEqual({ thinking: 'weigh options', answer: 'The answer.', thinkingOpen: false });
  });

  it('reports a block still open while streaming', () => {
    expect(splitThinking('<think>step one, step')).toEqual({ thinking: 'step one, step', answer: '', thinkingOpen: true });
  });

  it('handles output that starts inside the block (the template opened it)', () => {
    expect(splitThinking('reasoning here</think>Answer')).toEqual({ thinking: 'reasoning here', answer: 'Answer', thinkingOpen: false });
  });

  it('leaves text without a think block alone, including a later literal tag', () => {
    expect(splitThinking('Plain answer')).toEqual({ answer: 'Plain answer', thinkingOpen: false });
    expect(splitThinking('Use <think> tags like <think>x</think>')).toEqual({ answer: 'Use <think> tags like <think>x</think>', thinkingOpen: false });
  });
});
