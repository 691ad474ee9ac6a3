/** Unix seconds: the time unit of every record and answer. Services take a `now` to be testable. */
export type Clock = () => number;

export const unixNow: Clock = () => Math.floor(Date.now() / 1000);
