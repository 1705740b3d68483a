using Summarizer.Bench;

return BenchRunner.Run(args);
