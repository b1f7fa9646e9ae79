// Marks an ELF shared object's unmet symbol-version needs as weak, so the dynamic loader
// accepts it on a system whose library lacks that version.
// Why this exists: TorchSharp 0.107's libLibTorchSharp.so declares a need for
// GLIBCXX_3.4.32 (for one symbol it never calls); Debian 12's libstdc++ stops at 3.4.30.
// Setting VER_FLG_WEAK on that Vernaux entry lets the library load. No ELF library on
// NuGet edits version flags in place, so this is a small reader/writer of our own.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace RandSac.Build
{
    public static class ElfVersionNeeds
    {
        const uint ShtGnuVerdef = 0x6ffffffd;
        const uint ShtGnuVerneed = 0x6ffffffe;
        public const ushort VerFlagWeak = 0x2;

        /// <summary>One entry of .gnu.version_r: a version a file needs from a library.</summary>
        public sealed class Need
        {
            public string Library = "";
            public string Version = "";
            public ushort Flags;
            public long FlagsOffset;
            public bool IsWeak => (Flags & VerFlagWeak) != 0;
        }

        struct Section { public uint Type; public long Offset; public long Size; public uint Link; public uint Info; }

        static Section[] ReadSections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF is supported");
            long shoff = BitConverter.ToInt64(elf, 0x28);
            int shentsize = BitConverter.ToUInt16(elf, 0x3A);
            int shnum = BitConverter.ToUInt16(elf, 0x3C);
            var sections = new Section[shnum];
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                sections[i] = new Section
                {
                    Type = BitConverter.ToUInt32(elf, (int)h + 4),
                    Offset = BitConverter.ToInt64(elf, (int)h + 0x18),
                    Size = BitConverter.ToInt64(elf, (int)h + 0x20),
                    Link = BitConverter.ToUInt32(elf, (int)h + 0x28),
                    Info = BitConverter.ToUInt32(elf, (int)h + 0x2C),
                };
            }
            return sections;
        }

        static string ReadString(byte[] elf, long offset)
        {
            int end = (int)offset;
            while (elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, (int)offset, end - (int)offset);
        }

        /// <summary>All version needs (.gnu.version_r) of an ELF image.</summary>
        public static List<Need> ReadNeeds(byte[] elf)
        {
            var needs = new List<Need>();
            var sections = ReadSections(elf);
            foreach (var s in sections)
            {
                if (s.Type != ShtGnuVerneed) continue;
                long strtab = sections[s.Link].Offset;
                long vn = s.Offset;
                for (uint n = 0; n < s.Info; n++)
                {
                    ushort count = BitConverter.ToUInt16(elf, (int)vn + 2);
                    string library = ReadString(elf, strtab + BitConverter.ToUInt32(elf, (int)vn + 4));
                    long aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                    for (int a = 0; a < count; a++)
                    {
                        needs.Add(new Need
                        {
                            Library = library,
                            Version = ReadString(elf, strtab + BitConverter.ToUInt32(elf, (int)aux + 8)),
                            Flags = BitConverter.ToUInt16(elf, (int)aux + 4),
                            FlagsOffset = aux + 4,
                        });
                        aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                    }
                    vn += BitConverter.ToUInt32(elf, (int)vn + 12);
                }
            }
            return needs;
        }

        /// <summary>All versions an ELF library defines (.gnu.version_d).</summary>
        public static HashSet<string> ReadDefinitions(byte[] elf)
        {
            var defined = new HashSet<string>(StringComparer.Ordinal);
            var sections = ReadSections(elf);
            foreach (var s in sections)
            {
                if (s.Type != ShtGnuVerdef) continue;
                long strtab = sections[s.Link].Offset;
                long vd = s.Offset;
                for (uint n = 0; n < s.Info; n++)
                {
                    long aux = vd + BitConverter.ToUInt32(elf, (int)vd + 12);
                    defined.Add(ReadString(elf, strtab + BitConverter.ToUInt32(elf, (int)aux)));
                    vd += BitConverter.ToUInt32(elf, (int)vd + 16);
                }
            }
            return defined;
        }

        /// <summary>
        /// Marks weak every need on <paramref name="library"/> whose version is missing from
        /// <paramref name="available"/>. Returns the versions it changed (empty: file untouched).
        /// </summary>
        public static List<string> WeakenMissing(string path, string library, ISet<string> available)
        {
            byte[] elf = File.ReadAllBytes(path);
            var changed = new List<string>();
            foreach (var need in ReadNeeds(elf))
            {
                if (need.Library != library || need.IsWeak || available.Contains(need.Version)) continue;
                ushort flags = (ushort)(need.Flags | VerFlagWeak);
                elf[need.FlagsOffset] = (byte)(flags & 0xff);
                elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                changed.Add(need.Version);
            }
            if (changed.Count > 0)
            {
                // Write beside, then rename: an interrupted build never leaves half a library.
                string temp = path + ".patching";
                File.WriteAllBytes(temp, elf);
                File.Replace(temp, path, null);
            }
            return changed;
        }

        /// <summary>The system's libstdc++.so.6 as the loader would find it in the usual places, or null.</summary>
        public static string? FindSystemLibrary(string soname)
        {
            string[] dirs =
            {
                "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
            };
            foreach (var dir in dirs)
            {
                string candidate = Path.Combine(dir, soname);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }
    }

#if !ELF_VERSION_NEEDS_WITHOUT_TASK
    /// <summary>MSBuild task: weakens libLibTorchSharp.so's unmet GLIBCXX needs in one output folder.</summary>
    public sealed class WeakenUnmetGlibcxxNeeds : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public string Folder { get; set; } = "";

        public override bool Execute()
        {
            if (!Directory.Exists(Folder)) return true;
            string? libstdcxx = ElfVersionNeeds.FindSystemLibrary("libstdc++.so.6");
            if (libstdcxx == null) return true;
            var available = ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(libstdcxx));
            foreach (var shim in Directory.GetFiles(Folder, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                var changed = ElfVersionNeeds.WeakenMissing(shim, "libstdc++.so.6", available);
                if (changed.Count > 0)
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                        $"{shim}: marked {string.Join(", ", changed)} weak (not in {libstdcxx})");
            }
            return true;
        }
    }
#endif
}
