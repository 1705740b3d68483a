namespace Summarizer.Grains.Inference;

/// <summary>No model is configured on this silo (<c>Summarizer:ModelDirectory</c> is unset).</summary>
public sealed class ModelUnavailableException(string message) : InvalidOperationException(message);
