// One test at a time: recognition runs two decoders on two threads, the command channel has real
// (50 ms) deadlines, and the CLI tests start whole processes; on a 2-core machine parallel tests
// would measure each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
