namespace Summarizer.Model.Tokenization;

/// <summary>The result of <see cref="ByteLevelBpeTrainer.Train"/>.</summary>
/// <param name="Vocabulary">Token string to id, ids dense from 0.</param>
/// <param name="Merges">Merge rules in rank order, each "left right".</param>
public sealed record TrainedByteLevelBpe(IReadOnlyDictionary<string, int> Vocabulary, IReadOnlyList<string> Merges);
