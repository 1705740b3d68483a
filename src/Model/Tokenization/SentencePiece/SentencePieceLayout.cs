using Summarizer.Model.Documents;

namespace Summarizer.Model.Tokenization.SentencePiece;

/// <summary>
/// How a checkpoint's tokenizer class lays SentencePiece ids out and builds inputs: the shift from SentencePiece ids
/// to model ids, the added tokens (with their ids), the special tokens, and the template around a text.
/// </summary>
internal sealed record SentencePieceLayout(
    int Offset,
    IReadOnlyList<AddedToken> AddedTokens,
    int? UnkTokenId,
    string EosToken,
    string PadToken,
    Func<SentencePieceTextTokenizer, InputTemplate> Template,
    string? TargetLanguage = null);

/// <summary>The tokenizer classes this project reproduces.</summary>
internal enum SentencePieceFamily
{
    /// <summary><c>T5Tokenizer</c> (T5, Flan-T5, mT5): text then &lt;/s&gt;; &lt;extra_id_N&gt; sentinels after the pieces.</summary>
    T5,

    /// <summary><c>PegasusTokenizer</c>: ids shifted by 103 for pad, eos, &lt;mask_1&gt;, &lt;mask_2&gt; and &lt;unk_2&gt;..; text then &lt;/s&gt;.</summary>
    Pegasus,

    /// <summary><c>MBart50Tokenizer</c>: [src_lang] text &lt;/s&gt;.</summary>
    MBart50,

    /// <summary><c>MBartTokenizer</c> (mbart-large-cc25, -en-ro): text &lt;/s&gt; [src_lang].</summary>
    MBart,
}

/// <summary>The language codes of mBART's tokenizers (HF's <c>FAIRSEQ_LANGUAGE_CODES</c>), in id order.</summary>
internal static class MBartLanguageCodes
{
    public static readonly string[] CC25 =
    [
        "ar_AR", "cs_CZ", "de_DE", "en_XX", "es_XX", "et_EE", "fi_FI", "fr_XX", "gu_IN", "hi_IN", "it_IT", "ja_XX", "kk_KZ",
        "ko_KR", "lt_LT", "lv_LV", "my_MM", "ne_NP", "nl_XX", "ro_RO", "ru_RU", "si_LK", "tr_TR", "vi_VN", "zh_CN",
    ];

    public static readonly string[] Fifty =
    [
        .. CC25, "af_ZA", "az_AZ", "bn_IN", "fa_IR", "he_IL", "hr_HR", "id_ID", "ka_GE", "km_KH", "mk_MK", "ml_IN", "mn_MN",
        "mr_IN", "pl_PL", "ps_AF", "pt_XX", "sv_SE", "sw_KE", "ta_IN", "te_IN", "th_TH", "tl_XX", "uk_UA", "ur_PK", "xh_ZA",
        "gl_ES", "sl_SI",
    ];
}
