"""One peer worker of imgpipe's bench: runs jobs it reads from stdin, one at a time.

  python3 peer_worker.py pillow
  python3 peer_worker.py imagemagick /usr/bin/convert

Protocol, one JSON object a line. In: {"image": path, "op": "webp" | "renditions" | "full"}.
Out: {"ready": ..} first, then per job {"ms", "cpu_ms", "out_bytes", "outputs"} or
{"error"}, and {"done": true, "maxrss_kb"} when stdin closes.

pillow: the seed reference code's two handlers, in process. The compress handler opens
the original, converts palette and alpha images to RGB and saves WebP quality 80 (method
4, Pillow's default); the thumbnail handler opens the original again and, for each of
150, 300 and 600, copies it, thumbnail()s it with LANCZOS into that square and saves JPEG
quality 85 with optimize. "full" runs both, as the seed's two functions would.

imagemagick: the same two handlers as convert commands, one per handler: the original to
WebP quality 80, then the original to three -thumbnail sizes at JPEG quality 85 in one
command. Each command is timed from spawn to exit and its CPU and peak RSS come from
wait4(), so they are the convert process's own.
"""

import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

EDGES = (150, 300, 600)
WEBP_QUALITY = 80
JPEG_QUALITY = 85


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class PillowSeed:
    """The seed code's compress and thumbnail handlers, bytes in, sizes out."""

    def __init__(self):
        from PIL import Image  # imported here so the imagemagick worker needs no Pillow

        self.Image = Image
        self.version = "Pillow " + __import__("PIL").__version__

    def compress(self, data):
        img = self.Image.open(io.BytesIO(data))
        if img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGB")
        out = io.BytesIO()
        img.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
        return [out.tell()]

    def thumbnails(self, data):
        img = self.Image.open(io.BytesIO(data))
        sizes = []
        for edge in EDGES:
            thumb = img.copy()
            thumb.thumbnail((edge, edge), self.Image.Resampling.LANCZOS)
            out = io.BytesIO()
            thumb.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            sizes.append(out.tell())
        return sizes

    def job(self, path, op):
        with open(path, "rb") as f:
            data = f.read()
        wall, cpu = time.perf_counter(), time.process_time()
        sizes = []
        if op in ("webp", "full"):
            sizes += self.compress(data)
        if op in ("renditions", "full"):
            sizes += self.thumbnails(data)
        return {
            "ms": (time.perf_counter() - wall) * 1000,
            "cpu_ms": (time.process_time() - cpu) * 1000,
            "out_bytes": sum(sizes),
            "outputs": len(sizes),
        }

    def maxrss_kb(self):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class ImageMagickWay:
    """The two handlers as convert commands, each measured by wait4()."""

    def __init__(self, convert):
        self.convert = convert
        self.tmp = tempfile.mkdtemp(prefix="imgpipe-bench-im-")
        self.peak_kb = 0
        self.version = subprocess.run([convert, "-version"], capture_output=True, text=True).stdout.split("\n")[0]

    def spawn(self, args):
        proc = subprocess.Popen([self.convert] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.read().decode(errors="replace").strip() or "convert failed")
        proc.stderr.close()
        self.peak_kb = max(self.peak_kb, usage.ru_maxrss)
        return (usage.ru_utime + usage.ru_stime) * 1000

    def job(self, path, op):
        outputs = []
        cpu_ms = 0.0
        wall = time.perf_counter()
        if op in ("webp", "full"):
            full = os.path.join(self.tmp, "full.webp")
            cpu_ms += self.spawn([path, "-quality", str(WEBP_QUALITY), full])
            outputs.append(full)
        if op in ("renditions", "full"):
            names = [os.path.join(self.tmp, "%d.jpg" % edge) for edge in EDGES]
            args = [path, "-quality", str(JPEG_QUALITY)]
            for edge, name in zip(EDGES[1:][::-1], names[1:][::-1]):
                args += ["(", "+clone", "-thumbnail", "%dx%d" % (edge, edge), "-write", name, "+delete", ")"]
            args += ["-thumbnail", "%dx%d" % (EDGES[0], EDGES[0]), names[0]]
            cpu_ms += self.spawn(args)
            outputs += names
        ms = (time.perf_counter() - wall) * 1000
        sizes = [os.path.getsize(name) for name in outputs]
        for name in outputs:
            os.remove(name)
        return {"ms": ms, "cpu_ms": cpu_ms, "out_bytes": sum(sizes), "outputs": len(sizes)}

    def maxrss_kb(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.peak_kb


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else ""
    if tool == "pillow":
        worker = PillowSeed()
    elif tool == "imagemagick" and len(sys.argv) > 2:
        worker = ImageMagickWay(sys.argv[2])
    else:
        sys.exit("usage: peer_worker.py pillow | imagemagick CONVERT")
    reply({"ready": True, "version": worker.version})
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            reply(worker.job(job["image"], job["op"]))
        except Exception as error:  # reported to the bench, which stops the run
            reply({"error": "%s: %s" % (type(error).__name__, error)})
    reply({"done": True, "maxrss_kb": worker.maxrss_kb()})


if __name__ == "__main__":
    main()
