import { describe, expect, it } from 'vitest';
import {
  chatMessages, CONTEXT_MARGIN_TOKENS, conversationBudget, conversationToMarkdown, fitConversation, titleFrom, turnsBeforeLastAnswer, TURN_OVERHEAD_TOKENS, type Turn,
} from '../../../app/tasks/chat.ts';

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

describe('an answer\'s reasoning', () => {
  it('goes to the engine apart from the answer, and never into the Markdown export', () => {
    const turns: Turn[] = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello', reasoning: 'greet back' }];
    expect(chatMessages('', turns)).toEqual([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello', reasoning: 'greet back' }]);
    const md = conversationToMarkdown('Greeting', turns);
    expect(md).toBe('# Greeting\n\n**You:**\n\nhi\n\n**Assistant:**\n\nhello\n');
    expect(md).not.toContain('greet back');
  });
});

describe('fitConversation', () => {
  // One token per character, so costs are easy to follow.
  const count = async (s: string) => s.length;
  const turn = (role: Turn['role'], n: number, c = role === 'user' ? 'u' : 'a'): Turn => ({ role, content: c.repeat(n) });

  it('sends everything that fits', async () => {
    const turns = [turn('user', 10), turn('assistant', 10), turn('user', 10)];
    const f = await fitConversation('sys', turns, 1000, count);
    expect(f.dropped).toBe(0);
    expect(f.messages.map((m) => m.content)).toEqual(['sys', ...turns.map((t) => t.content)]);
  });

  it('drops the oldest turns until it fits, and starts with a user turn', async () => {
    const turns = [turn('user', 100), turn('assistant', 100), turn('user', 50, 'v'), turn('assistant', 50, 'b'), turn('user', 20, 'w')];
    const per = TURN_OVERHEAD_TOKENS;
    // Room for the last three turns and the system prompt, not for the fourth from last.
    const budget = (3 + per) + (50 + per) * 2 + (20 + per) + 10;
    const f = await fitConversation('sys', turns, budget, count);
    expect(f.dropped).toBe(2);
    expect(f.messages[0]).toEqual({ role: 'system', content: 'sys' });
    expect(f.messages[1].role).toBe('user');
    expect(f.messages.at(-1)!.content).toBe('w'.repeat(20));
    // A budget that cuts between an answer and its question drops the answer too.
    const g = await fitConversation('', turns, (50 + per) + (20 + per), count);
    expect(g.messages.map((m) => m.role)).toEqual(['user']);
    expect(g.dropped).toBe(4);
  });

  it('always keeps the newest turn, even when it alone is over budget', async () => {
    const f = await fitConversation('', [turn('user', 10), turn('assistant', 10), turn('user', 500)], 100, count);
    expect(f.dropped).toBe(2);
    expect(f.messages).toHaveLength(1);
  });
});

describe('conversationBudget', () => {
  const count = async (s: string) => s.length;
  const reply = { maxTokens: 100, maxReasoningTokens: 300 };

  it('reserves the reasoning budget and the answer for a model that reasons, the answer only for one that does not', () => {
    expect(conversationBudget({ contextLength: 1000 }, reply)).toBe(1000 - 100 - CONTEXT_MARGIN_TOKENS);
    for (const reasoning of ['always', 'switchable'] as const) {
      expect(conversationBudget({ contextLength: 1000, reasoning }, reply)).toBe(1000 - 300 - 100 - CONTEXT_MARGIN_TOKENS);
    }
  });

  it('trims a conversation that would fit beside the answer but leave the reasoning no room', async () => {
    const per = TURN_OVERHEAD_TOKENS;
    const turns: Turn[] = [{ role: 'user', content: 'u'.repeat(200) }, { role: 'assistant', content: 'a'.repeat(200) }, { role: 'user', content: 'w'.repeat(100) }];
    const whole = 3 * per + 500;
    const contextLength = whole + reply.maxTokens + CONTEXT_MARGIN_TOKENS;
    // Without reasoning it fits exactly; with it, the oldest question and its answer are left out.
    expect((await fitConversation('', turns, conversationBudget({ contextLength }, reply), count)).dropped).toBe(0);
    const reasoned = await fitConversation('', turns, conversationBudget({ contextLength, reasoning: 'always' }, reply), count);
    expect(reasoned.dropped).toBe(2);
    expect(reasoned.messages.map((m) => m.content)).toEqual(['w'.repeat(100)]);
    // What is sent, the reasoning budget and the answer's all fit the context.
    expect(100 + per + reply.maxReasoningTokens + reply.maxTokens + CONTEXT_MARGIN_TOKENS).toBeLessThanOrEqual(contextLength);
  });
});

describe('titleFrom', () => {
  it('takes the first line, shortened', () => {
    expect(titleFrom('  Plan the offsite\nwith details')).toBe('Plan the offsite');
    expect(titleFrom('x'.repeat(80))).toHaveLength(48);
    expect(titleFrom('   ')).toBe('New conversation');
  });
});
