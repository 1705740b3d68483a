// Each test starts processes that load libtorch and use every core; running them one at a time keeps timings sane.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
