#!/usr/bin/python3
"""Reads RandSac's TensorBoard event files with TensorBoard's own schema and prints what they hold.

The check is independent of RandSac's writer: the TFRecord framing and both CRC-32Cs are
checked here from the format's definition, each record is parsed as `tensorboard.Event`
from TensorBoard's own event.proto (and the protos it imports) as found in a TensorBoard
source tree, compiled for this run by protoc into a descriptor set in a temporary folder and
loaded into python3-protobuf; every image is decoded as a PNG (chunk CRCs, inflated size).

Needs Debian's protobuf-compiler and python3-protobuf. Usage:

    tools/tensorboard/check_events.py --tensorboard-src TENSORBOARD_CHECKOUT RUN_FOLDER [RUN_FOLDER ...]

Every folder below each RUN_FOLDER that holds event files is one TensorBoard run. Exits 1
when a record, a PNG or the step sequence (a step logged twice) is wrong.
"""

import argparse
import collections
import os
import struct
import subprocess
import sys
import tempfile
import zlib

from google.protobuf import descriptor_pb2, message_factory


def crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC32C_TABLE = crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while at < len(data):
        if len(data) - at < 16:
            raise ValueError(f"{path}: {len(data) - at} stray bytes at {at}")
        header = data[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[at + 8:at + 12])
        if length_crc != masked_crc(header):
            raise ValueError(f"{path}: length CRC of the record at {at} does not match")
        body = data[at + 12:at + 12 + length]
        if len(body) != length or len(data) < at + 16 + length:
            raise ValueError(f"{path}: record at {at} runs past the end")
        (data_crc,) = struct.unpack("<I", data[at + 12 + length:at + 16 + length])
        if data_crc != masked_crc(body):
            raise ValueError(f"{path}: data CRC of the record at {at} does not match")
        yield body
        at += 16 + length


def png_size(png):
    """(width, height) of a PNG after checking every chunk's CRC and the inflated image size."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    at, idat, header = 8, b"", None
    while at < len(png):
        (length,) = struct.unpack(">I", png[at:at + 4])
        kind, body = png[at + 4:at + 8], png[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length:at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"CRC of chunk {kind!r} does not match")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
        if kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    if depth != 8 or interlace != 0:
        raise ValueError(f"unexpected PNG layout: depth {depth}, interlace {interlace}")
    expected = height * (1 + width * channels)
    if len(zlib.decompress(idat)) != expected:
        raise ValueError("inflated image data has the wrong size")
    return width, height, channels


def event_class(tensorboard_src):
    with tempfile.TemporaryDirectory() as temp:
        descriptors = os.path.join(temp, "event.desc")
        subprocess.run(["protoc", "--include_imports", f"--descriptor_set_out={descriptors}",
                        f"--proto_path={tensorboard_src}", "tensorboard/compat/proto/event.proto"], check=True)
        files = descriptor_pb2.FileDescriptorSet()
        with open(descriptors, "rb") as f:
            files.ParseFromString(f.read())
    print("TensorBoard schema:", ", ".join(sorted(file.name for file in files.file)))
    return message_factory.GetMessages(files.file)["tensorboard.Event"]


def check_run(folder, names, Event):
    paths = sorted(os.path.join(folder, name) for name in names)
    scalars = collections.defaultdict(list)
    images = collections.defaultdict(list)
    print(f"run {folder}: {len(paths)} event file(s)")
    for path in paths:
        count = 0
        for body in records(path):
            event = Event()
            event.ParseFromString(body)
            count += 1
            kind = event.WhichOneof("what")
            if kind == "file_version":
                print(f"  {os.path.basename(path)}: file_version {event.file_version!r}, writer {event.source_metadata.writer!r}")
                continue
            if kind != "summary":
                raise ValueError(f"{path}: unexpected event kind {kind}")
            for value in event.summary.value:
                which = value.WhichOneof("value")
                if which == "simple_value":
                    scalars[value.tag].append((event.step, value.simple_value))
                elif which == "image":
                    width, height, channels = png_size(value.image.encoded_image_string)
                    if (width, height) != (value.image.width, value.image.height):
                        raise ValueError(f"{path}: image {value.tag} at step {event.step} is {width}×{height}, "
                                         f"its summary says {value.image.width}×{value.image.height}")
                    images[value.tag].append((event.step, width, height, channels, value.image.colorspace,
                                              len(value.image.encoded_image_string)))
                else:
                    raise ValueError(f"{path}: unexpected value kind {which} for {value.tag}")
        print(f"    {count} records, CRCs good")
    for tag, points in sorted(scalars.items()):
        steps = [step for step, _ in points]
        if len(set(steps)) != len(steps):
            raise ValueError(f"{folder}: {tag} has a step logged twice")
        if steps != sorted(steps):
            raise ValueError(f"{folder}: {tag} steps go backwards")
        shown = points if len(points) <= 6 else points[:3] + [None] + points[-3:]
        listed = ", ".join("…" if p is None else f"{p[0]}: {p[1]:.6g}" for p in shown)
        print(f"  scalar {tag}: {len(points)} steps {steps[0]}..{steps[-1]}: {listed}")
    metrics = os.path.join(folder, "metrics.csv")
    if os.path.exists(metrics):
        # The run's own CSV log: TensorBoard holds the same loss and lr per step, as 32-bit floats.
        with open(metrics) as f:
            rows = [line.strip().split(",") for line in f][1:]
        for tag, column in (("train/loss", 2), ("train/lr", 3)):
            logged = {int(row[0]): float(row[column]) for row in rows}
            board = dict(scalars[tag])
            if sorted(board) != sorted(logged):
                raise ValueError(f"{folder}: {tag} steps differ from metrics.csv")
            worst = max(abs(board[step] - value) / max(abs(value), 1e-30) for step, value in logged.items())
            if worst > 1e-6:
                raise ValueError(f"{folder}: {tag} differs from metrics.csv by {worst:.2g} (relative)")
            print(f"  {tag} equals metrics.csv at all {len(logged)} steps (largest relative difference {worst:.2g})")
    for tag, shots in sorted(images.items()):
        steps = [shot[0] for shot in shots]
        if len(set(steps)) != len(steps):
            raise ValueError(f"{folder}: {tag} has a step logged twice")
        for step, width, height, channels, colorspace, size in shots:
            print(f"  image {tag} at step {step}: PNG {width}×{height}, {channels} channels (colorspace {colorspace}), {size} bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tensorboard-src", required=True, help="a TensorBoard source tree (holds tensorboard/compat/proto/)")
    parser.add_argument("folders", nargs="+")
    args = parser.parse_args()
    Event = event_class(args.tensorboard_src)
    runs = 0
    try:
        for root in args.folders:
            for folder, _, names in sorted(os.walk(root)):
                events = [name for name in names if "tfevents" in name]
                if events:
                    check_run(folder, events, Event)
                    runs += 1
    except ValueError as error:
        print(f"FAILED: {error}")
        return 1
    if runs == 0:
        print("FAILED: no event files found")
        return 1
    print(f"all good: {runs} run(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
