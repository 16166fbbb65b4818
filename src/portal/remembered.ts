// An answer remembered per key for a while: for questions the portal asks the API server on every
// page load whose answer changes rarely and matters little when a minute old (may this person
// administer something? — it only decides whether a link shows; the page behind the link asks
// afresh). Per replica, bounded: at most `limit` keys, the oldest forgotten first. Two loads at
// once share one question.
export function remembered<T>(
  ttlMs: number,
  { limit = 10_000, now = Date.now }: { limit?: number; now?: () => number } = {},
): (key: string, ask: () => Promise<T>) => Promise<T> {
  const answers = new Map<string, { until: number; answer: Promise<T> }>();
  return (key, ask) => {
    const known = answers.get(key);
    if (known && known.until > now()) return known.answer;
    answers.delete(key);
    const answer = ask();
    answers.set(key, { until: now() + ttlMs, answer });
    // A failed question is asked again next time, not remembered.
    answer.catch(() => {
      if (answers.get(key)?.answer === answer) answers.delete(key);
    });
    // Map keeps insertion order: the first keys are the oldest.
    while (answers.size > limit) answers.delete(answers.keys().next().value as string);
    return answer;
  };
}
