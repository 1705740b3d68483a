using System.Text;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// The core of BPE training: keeps every distinct word as a symbol sequence plus the frequency of
/// each adjacent pair, and repeatedly merges the best pair. Counts are updated only for the words
/// that contain the merged pair, so each step costs in proportion to what it changes rather than
/// to the corpus size.
/// </summary>
internal sealed class PairMergeLearner
{
    private readonly SymbolTable symbols;
    private readonly List<int[]> wordSymbols = [];
    private readonly List<int> wordLengths = [];
    private readonly List<int> wordFrequencies = [];
    private readonly Dictionary<long, long> pairCounts = [];
    // May list a word twice or list words that no longer hold the pair; merging re-checks.
    private readonly Dictionary<long, List<int>> wordsByPair = [];
    private readonly PriorityQueue<(long Pair, long Count), (long Pair, long Count)> candidates;
    // A pair can reappear when a later merge spells an existing symbol; a merge rule is learned only once.
    private readonly HashSet<long> mergedPairs = [];
    private readonly int[] visitStamp;
    private int currentStamp;

    public PairMergeLearner(IReadOnlyDictionary<string, int> wordCounts, SymbolTable symbols)
    {
        this.symbols = symbols;
        candidates = new PriorityQueue<(long, long), (long, long)>(Comparer<(long Pair, long Count)>.Create(CompareCandidates));
        foreach (var (word, frequency) in wordCounts.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(word);
            var sequence = new int[bytes.Length];
            for (int i = 0; i < bytes.Length; i++)
            {
                sequence[i] = symbols.IdOf(ByteLevelAlphabet.SymbolFor(bytes[i]).ToString());
            }

            int wordIndex = wordSymbols.Count;
            wordSymbols.Add(sequence);
            wordLengths.Add(sequence.Length);
            wordFrequencies.Add(frequency);
            for (int i = 0; i + 1 < sequence.Length; i++)
            {
                long pair = PairKey(sequence[i], sequence[i + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + frequency;
                IndexWord(pair, wordIndex);
            }
        }

        visitStamp = new int[wordSymbols.Count];
        foreach (var (pair, count) in pairCounts)
        {
            candidates.Enqueue((pair, count), (pair, count));
        }
    }

    /// <summary>
    /// Merges the most frequent pair (ties: ordinally smallest left, then right symbol) if it occurs at
    /// least <paramref name="minimumFrequency"/> times.
    /// </summary>
    public bool TryMergeMostFrequentPair(int minimumFrequency, out string left, out string right, out string merged)
    {
        while (candidates.TryDequeue(out var candidate, out _))
        {
            // Stale entries (the count changed after they were queued) are skipped; a fresh one exists.
            if (pairCounts.GetValueOrDefault(candidate.Pair) != candidate.Count || mergedPairs.Contains(candidate.Pair))
            {
                continue;
            }

            if (candidate.Count < minimumFrequency)
            {
                break;
            }

            var (leftId, rightId) = Unpack(candidate.Pair);
            left = symbols[leftId];
            right = symbols[rightId];
            merged = left + right;
            mergedPairs.Add(candidate.Pair);
            Merge(candidate.Pair, leftId, rightId, symbols.Intern(merged));
            return true;
        }

        left = right = merged = string.Empty;
        return false;
    }

    private void Merge(long pair, int leftId, int rightId, int mergedId)
    {
        var changed = new HashSet<long>();
        currentStamp++;
        foreach (int wordIndex in wordsByPair[pair])
        {
            if (visitStamp[wordIndex] == currentStamp)
            {
                continue;
            }

            visitStamp[wordIndex] = currentStamp;
            var sequence = wordSymbols[wordIndex];
            int length = wordLengths[wordIndex];
            int frequency = wordFrequencies[wordIndex];
            if (!Contains(sequence, length, leftId, rightId))
            {
                continue;
            }

            AddPairCounts(sequence, length, -frequency, wordIndex, changed, indexNewPairs: false);
            int write = 0;
            for (int read = 0; read < length; read++)
            {
                if (read + 1 < length && sequence[read] == leftId && sequence[read + 1] == rightId)
                {
                    sequence[write++] = mergedId;
                    read++;
                }
                else
                {
                    sequence[write++] = sequence[read];
                }
            }

            wordLengths[wordIndex] = write;
            AddPairCounts(sequence, write, frequency, wordIndex, changed, indexNewPairs: true);
        }

        wordsByPair.Remove(pair);
        foreach (var changedPair in changed)
        {
            long count = pairCounts.GetValueOrDefault(changedPair);
            if (count <= 0)
            {
                pairCounts.Remove(changedPair);
            }
            else
            {
                candidates.Enqueue((changedPair, count), (changedPair, count));
            }
        }
    }

    private void AddPairCounts(int[] sequence, int length, int delta, int wordIndex, HashSet<long> changed, bool indexNewPairs)
    {
        for (int i = 0; i + 1 < length; i++)
        {
            long pair = PairKey(sequence[i], sequence[i + 1]);
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + delta;
            changed.Add(pair);
            if (indexNewPairs)
            {
                IndexWord(pair, wordIndex);
            }
        }
    }

    private void IndexWord(long pair, int wordIndex)
    {
        if (!wordsByPair.TryGetValue(pair, out var words))
        {
            words = [];
            wordsByPair.Add(pair, words);
        }

        // Consecutive duplicates are the common case (a pair repeated within one word); skip them cheaply.
        if (words.Count == 0 || words[^1] != wordIndex)
        {
            words.Add(wordIndex);
        }
    }

    private static bool Contains(int[] sequence, int length, int leftId, int rightId)
    {
        for (int i = 0; i + 1 < length; i++)
        {
            if (sequence[i] == leftId && sequence[i + 1] == rightId)
            {
                return true;
            }
        }

        return false;
    }

    private int CompareCandidates((long Pair, long Count) a, (long Pair, long Count) b)
    {
        if (a.Count != b.Count)
        {
            return b.Count.CompareTo(a.Count);
        }

        var (aLeft, aRight) = Unpack(a.Pair);
        var (bLeft, bRight) = Unpack(b.Pair);
        int byLeft = string.CompareOrdinal(symbols[aLeft], symbols[bLeft]);
        return byLeft != 0 ? byLeft : string.CompareOrdinal(symbols[aRight], symbols[bRight]);
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    private static (int Left, int Right) Unpack(long pair) => ((int)(pair >> 32), (int)(pair & 0xFFFFFFFF));
}
