using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;
using Summarizer.Model.Pipeline;
using Summarizer.Model.Tokenization.SentencePiece;

namespace Summarizer.Grains.Inference;

/// <summary>
/// The silo's one loaded model, loaded on an inference thread the first time it is needed (or at start-up by the
/// readiness check). A missing or broken checkpoint fails every job with the loader's message, which names the
/// file and field at fault.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly SummarizerOptions _options;
    private readonly IInferenceQueue _worker;
    private readonly ILogger<ModelHost> _logger;
    private readonly Lazy<Task<SummarizationModel>> _model;

    /// <summary>Creates the host; nothing is loaded until <see cref="GetAsync"/>.</summary>
    public ModelHost(IOptions<SummarizerOptions> options, IInferenceQueue worker, ILogger<ModelHost> logger)
    {
        _options = options.Value;
        _worker = worker;
        _logger = logger;
        _model = new Lazy<Task<SummarizationModel>>(LoadAsync);
    }

    /// <summary>The loaded model.</summary>
    public Task<SummarizationModel> GetAsync() => _model.Value;

    /// <summary>Whether the model has loaded successfully.</summary>
    public bool IsLoaded => _model.IsValueCreated && _model.Value.IsCompletedSuccessfully;

    private Task<SummarizationModel> LoadAsync()
    {
        var dir = _options.ModelDirectory;
        if (string.IsNullOrWhiteSpace(dir))
            return Task.FromException<SummarizationModel>(new ModelUnavailableException("No model configured: set Summarizer:ModelDirectory (env Summarizer__ModelDirectory) to a checkpoint directory."));
        return _worker.RunAsync(_ =>
        {
            try
            {
                var model = SummarizationModel.Load(dir, _options.Device, new TokenizerOptions(_options.SourceLanguage, _options.TargetLanguage));
                _logger.LogInformation("Loaded model {Directory} ({Type}, fingerprint {Fingerprint}) on {Device}, {Threads} CPU threads per operation.",
                    dir, model.Config.ModelType, model.Fingerprint, _options.Device, Summarizer.Model.Pipeline.ComputeThreads.Current);
                return model;
            }
            catch (Exception e)
            {
                _logger.LogCritical("Model directory {Directory} cannot be loaded: {Reason}", dir, e.Message);
                throw;
            }
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (IsLoaded) _model.Value.Result.Dispose();
    }
}
