const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, fourteen: 14, fifteen: 15, twenty: 20, thirty: 30, 'forty-five': 45, 'forty five': 45,
  sixty: 60, ninety: 90, 'one hundred twenty': 120, 'one hundred eighty': 180,
};

const WORDS = Object.keys(NUMBER_WORDS).sort((a, b) => b.length - a.length).join('|');
// "thirty (30) days", "30 days'", "ninety calendar days", "three months'"
const PERIOD = new RegExp(`\\b(?:(\\d{1,3})|(${WORDS}))(?:\\s*\\((\\d{1,3})\\))?\\s*(?:calendar\\s+|business\\s+)?(days?|weeks?|months?)\\b`, 'gi');
const UNIT_DAYS: Readonly<Record<string, number>> = { day: 1, week: 7, month: 30 };

/** Every period written in a sentence, in days ("three (3) months" is 90). */
export function periodsInDays(sentence: string): number[] {
  const days: number[] = [];
  for (const m of sentence.matchAll(PERIOD)) {
    const count = m[3] !== undefined ? Number(m[3]) : m[1] !== undefined ? Number(m[1]) : NUMBER_WORDS[m[2]!.toLowerCase()]!;
    const unit = m[4]!.toLowerCase().replace(/s$/, '');
    days.push(count * UNIT_DAYS[unit]!);
  }
  return days;
}
