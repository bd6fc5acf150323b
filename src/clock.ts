/** The clock every component reads "now" from; tests and replays pin it. */
export type Clock = () => Date;

/** The system clock, the default wherever a clock is injectable. */
export const systemClock: Clock = () => new Date();
