/** The baseline's activities: no I/O at all, so only Temporal's round trip is measured. */
export const baselineActivities = {
  async noop(what: string): Promise<string> {
    return what;
  },
};

export type BaselineActivities = typeof baselineActivities;
