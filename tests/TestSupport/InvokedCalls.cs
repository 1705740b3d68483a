using System.Collections.Concurrent;
using Orleans;

namespace Summarizer.TestSupport;

/// <summary>
/// An incoming grain call filter on every silo of a test cluster or app: it tells a test when a call of a grain method it names
/// has been invoked, that is, has run up to its first await. A test acts on that point of a call it cannot await yet,
/// such as a cancel that goes on to wait for a run the test still holds.
/// </summary>
public sealed class InvokedCalls : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<(Type Grain, string Method), TaskCompletionSource> _awaited = new();

    /// <summary>
    /// Completes once the next call of <typeparamref name="TGrain"/>'s <paramref name="method"/> (one made after this
    /// call) has been invoked.
    /// </summary>
    public Task NextAsync<TGrain>(string method) where TGrain : IGrain =>
        _awaited.GetOrAdd((typeof(TGrain), method), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <inheritdoc />
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        // The grain method runs synchronously up to its first await inside Invoke, so once Invoke has returned its task,
        // what the method does before it awaits is done.
        var call = context.Invoke();
        if (context.InterfaceMethod is { DeclaringType: { } grain, Name: var method } && _awaited.TryRemove((grain, method), out var invoked))
            invoked.TrySetResult();
        await call;
    }
}
