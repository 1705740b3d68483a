using Summarizer.Model.Pipeline;

namespace Summarizer.Model.Tests.Pipeline;

public sealed class ComputeThreadsTests
{
    [Fact]
    public void ZeroMeansTheProcessorCountDotNetSeesAndAnyOtherCountIsKept()
    {
        Assert.Equal(Environment.ProcessorCount, ComputeThreads.Resolve(0));
        Assert.Equal(3, ComputeThreads.Resolve(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeThreads.Resolve(-1));
    }

    [Fact]
    public void AThreadThatRunsItsFirstKernelAfterUseGetsTheCount()
    {
        static int SeenByAFreshThread()
        {
            int seen = 0;
            var fresh = new Thread(() =>
            {
                using var a = TorchSharp.torch.ones(64, 64);
                using var b = a.matmul(a);
                seen = ComputeThreads.Current;
            });
            fresh.Start();
            fresh.Join();
            return seen;
        }
        try
        {
            Assert.Equal(1, ComputeThreads.Use(1));
            Assert.Equal(1, SeenByAFreshThread());
            Assert.Equal(Environment.ProcessorCount, ComputeThreads.Use(0));
            Assert.Equal(Environment.ProcessorCount, SeenByAFreshThread());
        }
        finally { ComputeThreads.Use(0); }
    }
}
