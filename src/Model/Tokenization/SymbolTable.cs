namespace Summarizer.Model.Tokenization;

/// <summary>Interns BPE symbol strings as small integers so training works on int arrays.</summary>
internal sealed class SymbolTable
{
    private readonly Dictionary<string, int> idBySymbol = new(StringComparer.Ordinal);
    private readonly List<string> symbolById = [];

    public int Intern(string symbol)
    {
        if (!idBySymbol.TryGetValue(symbol, out int id))
        {
            id = symbolById.Count;
            idBySymbol.Add(symbol, id);
            symbolById.Add(symbol);
        }

        return id;
    }

    public int IdOf(string symbol) => idBySymbol[symbol];

    public string this[int id] => symbolById[id];
}
