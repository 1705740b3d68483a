using System.Buffers.Binary;
using System.Text;

namespace Summarizer.Model.Tests.TestSupport;

/// <summary>Writes safetensors files byte by byte, so tests can build files no correct writer would produce.</summary>
internal static class RawSafeTensors
{
    public static void Write(string path, string headerJson, byte[] data, ulong? claimedHeaderLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, claimedHeaderLength ?? (ulong)header.Length);
        File.WriteAllBytes(path, [.. length, .. header, .. data]);
    }
}
