namespace Summarizer.Model.Configuration;

/// <summary>Which network a <c>model_type</c> runs: the architecture follows the type, never other config keys.</summary>
public enum NetworkArchitecture
{
    /// <summary>BART, mBART and PEGASUS (<c>modeling_bart</c>, <c>modeling_mbart</c>, <c>modeling_pegasus</c>).</summary>
    Bart,

    /// <summary>T5, T5 v1.1, Flan-T5 and mT5 (<c>modeling_t5</c>, <c>modeling_mt5</c>).</summary>
    T5,
}
