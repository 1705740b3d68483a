using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

/// <summary>
/// Position embeddings: learned with BART's offset of 2 (the first two rows are reserved by fairseq history), or
/// PEGASUS's fixed sinusoids (sines in the first half of the vector, cosines in the second).
/// </summary>
internal sealed partial class PositionEmbedding : IDisposable
{
    private readonly Tensor _table;
    private readonly int _offset;

    public PositionEmbedding(IWeightSource weights, string prefix, ModelConfig config, Device device)
    {
        if (config.StaticPositionEmbeddings)
        {
            _table = Sinusoids(config.MaxPositionEmbeddings, config.DModel).to(device);
            _offset = 0;
        }
        else
        {
            _offset = config.PositionOffset;
            _table = weights.Load(prefix + ".weight", [config.MaxPositionEmbeddings + _offset, config.DModel]);
        }
        MaxPositions = config.MaxPositionEmbeddings;
    }

    public int MaxPositions { get; }

    /// <summary>Embeddings for positions <c>start .. start+length-1</c>, shape <c>[length, d_model]</c>.</summary>
    public Tensor Forward(long start, long length)
    {
        if (start + length > MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(length), $"Positions up to {start + length} exceed max_position_embeddings ({MaxPositions}).");
        return _table.narrow(0, start + _offset, length);
    }

    private static Tensor Sinusoids(int positions, int dim)
    {
        var table = new float[positions * dim];
        int sentinel = dim % 2 == 0 ? dim / 2 : dim / 2 + 1;
        for (int pos = 0; pos < positions; pos++)
        {
            for (int j = 0; j < dim; j++)
            {
                double angle = pos / Math.Pow(10000, 2.0 * (j / 2) / dim);
                // Even j feed the sine half, odd j the cosine half, as PegasusSinusoidalPositionalEmbedding lays them out.
                int column = j % 2 == 0 ? j / 2 : sentinel + j / 2;
                table[pos * dim + column] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        }
        return tensor(table, [positions, dim]);
    }

    public void Dispose() => _table.Dispose();
}
