// Word lists of the embedded default task (embedded.ts): film aspects, polar adjectives,
// intensifiers, negators, connectives and neutral filler. Written for this project. No list
// shares a word with another, so a sentence's label follows from its words and their order alone.

/** A subject noun phrase, whether it takes a plural verb, whether it takes a MODIFIER. */
export interface Subject {
  np: string;
  plural: boolean;
  /** False for the film itself ('the film in the second half' reads oddly). */
  aspect?: false;
}

export const SUBJECTS: readonly Subject[] = [
  { np: 'the acting', plural: false },
  { np: 'the plot', plural: false },
  { np: 'the story', plural: false },
  { np: 'the dialogue', plural: false },
  { np: 'the soundtrack', plural: false },
  { np: 'the score', plural: false },
  { np: 'the camera work', plural: false },
  { np: 'the ending', plural: false },
  { np: 'the script', plural: false },
  { np: 'the pacing', plural: false },
  { np: 'the direction', plural: false },
  { np: 'the humor', plural: false },
  { np: 'the film', plural: false, aspect: false },
  { np: 'this movie', plural: false, aspect: false },
  { np: 'the cast', plural: false, aspect: false },
  { np: 'the characters', plural: true },
  { np: 'the visuals', plural: true },
  { np: 'the performances', plural: true },
  { np: 'the jokes', plural: true },
  { np: 'the action scenes', plural: true },
];

/** Neutral modifiers after the subject ('the plot in the second half'); '' = none. */
export const MODIFIERS: readonly string[] = [
  '',
  '',
  '',
  'in this film',
  'in the first act',
  'in the second half',
  'of this sequel',
  'overall',
];

export const POSITIVE: readonly string[] = [
  'great',
  'wonderful',
  'excellent',
  'brilliant',
  'superb',
  'charming',
  'delightful',
  'gripping',
  'moving',
  'funny',
  'clever',
  'beautiful',
  'engaging',
  'fresh',
  'memorable',
  'solid',
  'good',
  'enjoyable',
  'compelling',
  'stunning',
];

export const NEGATIVE: readonly string[] = [
  'dull',
  'boring',
  'awful',
  'terrible',
  'bland',
  'clumsy',
  'tedious',
  'weak',
  'forgettable',
  'predictable',
  'lifeless',
  'messy',
  'flat',
  'painful',
  'bad',
  'poor',
  'shallow',
  'stale',
  'confusing',
  'sluggish',
];

/** Degree words: they strengthen an adjective and never change its sign. */
export const INTENSIFIERS: readonly string[] = ['really', 'truly', 'genuinely', 'so', 'incredibly'];

/** Words that flip the polarity of what they scope over. */
export const NEGATORS: readonly string[] = ['not', 'never'];

/** Sentence frames that negate the whole clause after them (each holds exactly one 'not'). */
export const NEGATING_FRAMES: readonly string[] = [
  'it is not true that',
  'i would not say that',
  'i do not think that',
];

/** Concessive connectives: 'although A, B' and 'B, although A' both follow B. */
export const CONCESSIVES: readonly string[] = ['although', 'though', 'even though'];

/** Contrastive connectives: 'A, but B' follows B. */
export const CONTRASTIVES: readonly string[] = ['but', 'yet'];

/** Neutral openers, followed by a comma. */
export const FILLERS: readonly string[] = [
  'honestly',
  'to be honest',
  'in my opinion',
  'frankly',
  'all things considered',
  'for the record',
  'as far as i am concerned',
  'looking back',
];
