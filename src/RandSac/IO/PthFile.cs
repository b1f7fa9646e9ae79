using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace RandSac.IO;

/// <summary>
/// Reads the tensors of a PyTorch <c>torch.save</c> file (.pth) with TorchSharp.PyBridge's
/// unpickler: a plain state dict, or the state dict inside a training checkpoint's
/// <c>'model'</c> or <c>'state_dict'</c> entry (MAE, DeiT).
/// </summary>
public static class PthFile
{
    static readonly string[] Wrappers = ["model", "state_dict"];

    /// <summary>The state dict's tensors (new CPU tensors the caller owns) and the key it was found under ("" at the top).</summary>
    public static (Dictionary<string, Tensor> Tensors, string Wrapper) Read(string path)
    {
        Hashtable table;
        try
        {
            using var stream = File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is not IOException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: not a PyTorch state dict ({e.Message})");
        }
        string wrapper = "";
        if (!table.Values.OfType<Tensor>().Any())
        {
            wrapper = Wrappers.FirstOrDefault(w => table[w] is Hashtable)
                ?? throw new InvalidDataException($"{path}: holds no tensors at the top level nor under 'model' or 'state_dict' " +
                                                  $"(keys: {string.Join(", ", table.Keys.Cast<object>().Select(k => $"'{k}'"))})");
            foreach (var other in table.Values.OfType<Tensor>()) other.Dispose();
            table = (Hashtable)table[wrapper]!;
        }
        var tensors = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
            if (entry.Value is Tensor tensor) tensors[(string)entry.Key] = tensor;
        return (tensors, wrapper);
    }
}
