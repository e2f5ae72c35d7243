// Real processes with timing (quote intervals, timeouts) on a 2-core CI box: one stack at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
