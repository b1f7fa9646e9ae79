// Writes libRandSacMklDispatch.so: an x86-64 ELF shared object whose only content is the
// function `int mkl_serv_intel_cpu_true(void) { return 1; }`.
// Why this exists: LibTorch links Intel MKL, and MKL's sgemm asks that function whether the
// CPU is an Intel one. On AMD CPUs the answer sends every fp32 matmul to MKL's AVX2 "Zen"
// kernels even where the CPU has AVX-512; on the AMD EPYC (Zen 5) we measure on, those reach
// 160-170 GFLOP/s against ~350 for MKL's AVX-512 kernels. Loaded with RTLD_GLOBAL before
// LibTorch, this definition takes precedence over MKL's own (ordinary ELF symbol
// interposition, as LD_PRELOAD would do), and MKL then chooses its kernels from the CPU's
// feature flags. RandSac.Platform.MklKernelDispatch decides at run time whether to load it.
// The object is written byte by byte because it needs no C compiler on the build machine; it
// has no relocations, no imports and no section headers (the dynamic loader needs none).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace RandSac.Build
{
    public static class MklIntelDispatchLibrary
    {
        public const string FileName = "libRandSacMklDispatch.so";
        public const string Symbol = "mkl_serv_intel_cpu_true";

        // mov eax, 1 ; ret
        static readonly byte[] ReturnOne = { 0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3 };

        const int HeaderSize = 64, ProgramHeaderSize = 56, ProgramHeaderCount = 4, SymbolSize = 24;
        const long Page = 0x1000;

        /// <summary>The bytes of the shared object.</summary>
        public static byte[] Build()
        {
            // Read-only, executable part (vaddr = file offset): header, program headers, hash
            // table, symbols, strings, code. Writable part on the next page: the dynamic section
            // (the loader may adjust its pointers in place).
            long hash = HeaderSize + ProgramHeaderSize * ProgramHeaderCount;
            long symbols = Align(hash + 5 * 4, 8);
            long strings = symbols + 2 * SymbolSize;
            byte[] stringTable = Encoding.ASCII.GetBytes("\0" + Symbol + "\0" + FileName + "\0");
            int symbolName = 1, soName = 1 + Symbol.Length + 1;
            long code = Align(strings + stringTable.Length, 16);
            long textEnd = code + ReturnOne.Length;
            long dynamic = Page;
            var dynamicEntries = new (long Tag, long Value)[]
            {
                (4, hash), (5, strings), (6, symbols), (10, stringTable.Length), (11, SymbolSize), (14, soName), (0, 0),
            };
            long end = dynamic + dynamicEntries.Length * 16;

            var image = new byte[end];
            var w = new Writer(image);
            // ELF header: 64-bit, little-endian, version 1, System V ABI; shared object for x86-64.
            w.Bytes(0, 0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0);
            w.U16(0x10, 3); w.U16(0x12, 62); w.U32(0x14, 1);
            w.U64(0x18, 0); w.U64(0x20, HeaderSize); w.U64(0x28, 0); w.U32(0x30, 0);
            w.U16(0x34, HeaderSize); w.U16(0x36, ProgramHeaderSize); w.U16(0x38, ProgramHeaderCount);
            w.U16(0x3A, 64); w.U16(0x3C, 0); w.U16(0x3E, 0);

            const uint Load = 1, Dynamic = 2, GnuStack = 0x6474e551, R = 4, W = 2, X = 1;
            long ph = HeaderSize;
            w.ProgramHeader(ph, Load, R | X, 0, textEnd, Page);
            w.ProgramHeader(ph + ProgramHeaderSize, Load, R | W, dynamic, end - dynamic, Page);
            w.ProgramHeader(ph + 2 * ProgramHeaderSize, Dynamic, R | W, dynamic, end - dynamic, 8);
            // A non-executable stack: without this entry the loader would make the stack executable.
            w.ProgramHeader(ph + 3 * ProgramHeaderSize, GnuStack, R | W, 0, 0, 16);

            // SysV hash table: one bucket holding symbol 1; chains end at once.
            w.U32(hash, 1); w.U32(hash + 4, 2); w.U32(hash + 8, 1); w.U32(hash + 12, 0); w.U32(hash + 16, 0);

            // Symbol 0 is the null symbol. Symbol 1: global function; any defined section index.
            long s1 = symbols + SymbolSize;
            w.U32(s1, (uint)symbolName); w.Bytes(s1 + 4, 0x12, 0); w.U16(s1 + 6, 1);
            w.U64(s1 + 8, code); w.U64(s1 + 16, ReturnOne.Length);

            Array.Copy(stringTable, 0, image, strings, stringTable.Length);
            Array.Copy(ReturnOne, 0, image, code, ReturnOne.Length);
            for (int i = 0; i < dynamicEntries.Length; i++)
            {
                w.U64(dynamic + 16 * i, dynamicEntries[i].Tag);
                w.U64(dynamic + 16 * i + 8, dynamicEntries[i].Value);
            }
            return image;
        }

        /// <summary>
        /// Writes the library next to every libtorch_cpu.so under <paramref name="folder"/>,
        /// unless an identical copy is there. Returns the paths written.
        /// </summary>
        public static List<string> WriteBesideLibTorch(string folder)
        {
            var written = new List<string>();
            if (!Directory.Exists(folder)) return written;
            byte[] bytes = Build();
            foreach (var libTorch in Directory.GetFiles(folder, "libtorch_cpu.so", SearchOption.AllDirectories))
            {
                string path = Path.Combine(Path.GetDirectoryName(libTorch)!, FileName);
                if (File.Exists(path) && AreEqual(File.ReadAllBytes(path), bytes)) continue;
                File.WriteAllBytes(path, bytes);
                written.Add(path);
            }
            return written;
        }

        static bool AreEqual(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i]) return false;
            return true;
        }

        static long Align(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

        readonly struct Writer
        {
            readonly byte[] _image;
            public Writer(byte[] image) { _image = image; }
            public void Bytes(long at, params byte[] values) => Array.Copy(values, 0, _image, at, values.Length);
            public void U16(long at, int value) => BitConverter.GetBytes((ushort)value).CopyTo(_image, at);
            public void U32(long at, uint value) => BitConverter.GetBytes(value).CopyTo(_image, at);
            public void U64(long at, long value) => BitConverter.GetBytes(value).CopyTo(_image, at);

            public void ProgramHeader(long at, uint type, uint flags, long offset, long size, long alignment)
            {
                U32(at, type); U32(at + 4, flags);
                U64(at + 8, offset); U64(at + 16, offset); U64(at + 24, offset);
                U64(at + 32, size); U64(at + 40, size); U64(at + 48, alignment);
            }
        }
    }

#if !MKL_DISPATCH_LIBRARY_WITHOUT_TASK
    /// <summary>MSBuild task: writes the library beside LibTorch in an output folder.</summary>
    public sealed class WriteMklIntelDispatchLibrary : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public string Folder { get; set; } = "";

        public override bool Execute()
        {
            foreach (var path in MklIntelDispatchLibrary.WriteBesideLibTorch(Folder))
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, $"{path}: written (lets MKL use its AVX-512 kernels on AMD CPUs)");
            return true;
        }
    }
#endif
}
