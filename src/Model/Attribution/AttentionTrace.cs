using Summarizer.Model.Documents;

namespace Summarizer.Model.Attribution;

/// <summary>
/// Per-row attribution records of one decoding job, kept as the rows' self-attention cache is: extended once per
/// decoder pass and reordered with the beams. The job's memory stages the pass's records when its last layer attends
/// (<see cref="Stage"/>); the search commits them once it has the pass's scores (<see cref="Commit"/>) and reorders
/// them with the beams. Each row is a persistent list (a node per token pointing at its predecessor), so a beam
/// reorder copies pointers, not records: the cost of beam attribution is one record per beam per step, kept while a
/// live beam or a finished hypothesis still reaches it.
/// </summary>
public sealed class AttentionTrace
{
    private sealed record Node(TokenAttention Record, Node? Previous, int Length);

    private readonly List<Node?[]> _history = [];
    private Node?[] _rows = [null];
    private TokenAttention[]? _staged;

    /// <summary>A trace for a document encoded with <paramref name="template"/>, keeping <paramref name="positionsPerToken"/> positions per token.</summary>
    public AttentionTrace(InputTemplate template, int positionsPerToken = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(positionsPerToken, 1);
        Template = template;
        PositionsPerToken = positionsPerToken;
    }

    /// <summary>The encoder template: its prefix rows in the first shard and suffix rows in the last are no document tokens.</summary>
    public InputTemplate Template { get; }

    /// <summary>Document positions kept per token.</summary>
    public int PositionsPerToken { get; }

    /// <summary>Decoder passes committed so far.</summary>
    public int Passes => _history.Count;

    /// <summary>
    /// Records of the pass in flight, one per query row in row-major order (row, then position within a prefix pass).
    /// A pass retried after a failure stages again and replaces them.
    /// </summary>
    public void Stage(TokenAttention[] records) => _staged = records;

    /// <summary>
    /// Commits the staged pass for <paramref name="rows"/> rows: each row gets its records in order (a prefix pass of one
    /// row appends one record per position). A pass that staged nothing (a memory without attribution) appends
    /// <see cref="TokenAttention.Empty"/> records so positions stay aligned.
    /// </summary>
    public void Commit(int rows, int positions = 1)
    {
        if (_rows.Length != rows) _rows = Expand(_rows, rows);
        var staged = _staged is { } s && s.Length == rows * positions ? s : null;
        _staged = null;
        for (int r = 0; r < rows; r++)
        {
            for (int p = 0; p < positions; p++)
            {
                var previous = _rows[r];
                _rows[r] = new Node(staged?[r * positions + p] ?? TokenAttention.Empty, previous, (previous?.Length ?? 0) + 1);
            }
        }
        _history.Add((Node?[])_rows.Clone());
    }

    /// <summary>Row i continues from previous row <paramref name="sourceRows"/>[i] (beam reordering; a row named twice is shared).</summary>
    public void Reorder(IReadOnlyList<int> sourceRows)
    {
        var next = new Node?[sourceRows.Count];
        for (int i = 0; i < next.Length; i++) next[i] = _rows[sourceRows[i]];
        _rows = next;
    }

    /// <summary>
    /// The records of the tokens row <paramref name="row"/> held right after pass <paramref name="pass"/> (1-based), in
    /// generation order: one per generated token of the hypothesis that row carried then.
    /// </summary>
    public IReadOnlyList<TokenAttention> Path(int pass, int row)
    {
        if (pass == 0) return [];
        var node = _history[pass - 1][row];
        var records = new TokenAttention[node?.Length ?? 0];
        for (int i = records.Length - 1; node is not null; i--, node = node.Previous) records[i] = node.Record;
        return records;
    }

    /// <summary>Every row starts as the one row so far (the first pass of a beam search, whose beams all start alike).</summary>
    private static Node?[] Expand(Node?[] rows, int count) =>
        rows.Length == 1 ? Enumerable.Repeat(rows[0], count).ToArray()
            : throw new InvalidOperationException($"The trace holds {rows.Length} rows; a pass committed {count}.");
}
