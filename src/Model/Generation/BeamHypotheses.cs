using Summarizer.Model.Configuration;

namespace Summarizer.Model.Generation;

/// <summary>
/// The finished hypotheses of a beam search, at most <c>numBeams</c> of them, scored as HF's <c>BeamHypotheses</c>
/// does: sum of log-probabilities divided by generated length ^ length penalty.
/// </summary>
internal sealed class BeamHypotheses
{
    private readonly int _numBeams;
    private readonly double _lengthPenalty;
    private readonly EarlyStoppingMode _earlyStopping;
    private readonly int _maxLength;
    private readonly List<(double Score, int[] Tokens, (int Pass, int Row) Origin)> _beams = [];
    private double _worstScore = 1e9;

    public BeamHypotheses(int numBeams, double lengthPenalty, EarlyStoppingMode earlyStopping, int maxLength)
    {
        _numBeams = numBeams;
        _lengthPenalty = lengthPenalty;
        _earlyStopping = earlyStopping;
        _maxLength = maxLength;
    }

    public int Count => _beams.Count;

    public IEnumerable<int[]> Sequences => _beams.Select(b => b.Tokens);

    /// <summary>Adds a hypothesis; <paramref name="generatedLength"/> is its length less the decoder start token(s).</summary>
    /// <paramref name="origin"/> is the decoder pass and row the hypothesis was completed from.
    public void Add(int[] tokens, double sumLogProbs, int generatedLength, (int Pass, int Row) origin)
    {
        double score = sumLogProbs / Math.Pow(generatedLength, _lengthPenalty);
        if (_beams.Count < _numBeams || score > _worstScore)
        {
            _beams.Add((score, tokens, origin));
            if (_beams.Count > _numBeams)
            {
                int worst = 0;
                for (int i = 1; i < _beams.Count; i++) if (_beams[i].Score < _beams[worst].Score) worst = i;
                _beams.RemoveAt(worst);
                _worstScore = _beams.Min(b => b.Score);
            }
            else
            {
                _worstScore = Math.Min(score, _worstScore);
            }
        }
    }

    /// <summary>
    /// Whether no live beam can still beat the finished ones. <paramref name="bestSumLogProbs"/> is the best running
    /// score, <paramref name="generatedLength"/> the length it was computed at (decoder start excluded).
    /// </summary>
    public bool IsDone(double bestSumLogProbs, int generatedLength, int promptLength)
    {
        if (_beams.Count < _numBeams) return false;
        switch (_earlyStopping)
        {
            case EarlyStoppingMode.WhenBeamsComplete:
                return true;
            case EarlyStoppingMode.Heuristic:
                return _worstScore >= bestSumLogProbs / Math.Pow(generatedLength, _lengthPenalty);
            default:
                // "never": the best a live beam could reach; with a positive penalty longer is better, so assume max length.
                int length = _lengthPenalty > 0 ? _maxLength - promptLength : generatedLength;
                return _worstScore >= bestSumLogProbs / Math.Pow(length, _lengthPenalty);
        }
    }

    public (double Score, int[] Tokens, (int Pass, int Row) Origin) Best()
    {
        var best = _beams[0];
        foreach (var b in _beams) if (b.Score > best.Score) best = b;
        return best;
    }
}
