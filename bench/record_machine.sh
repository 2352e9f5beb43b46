#!/usr/bin/env bash
# Record a real machine for tests/machines/: envadvisor's report next to the ground truth that the
# machine's own tools give (nvidia-smi, torch.version.cuda), plus timings against collect_env.
# Usage (from the repository root): OUT=/tmp/record bash bench/record_machine.sh
# Needs python3 with packaging, psutil, nvidia-ml-py, rich and PyYAML; envadvisor runs from src/.
set -u
OUT=${OUT:-/tmp/envadvisor-record}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"

nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
nvidia-smi --query-gpu=index,name,driver_version,compute_cap,memory.total \
  --format=csv,noheader,nounits >>"$OUT/nvidia-smi.txt" 2>&1
"$PY" -m torch.utils.collect_env >"$OUT/collect_env.txt" 2>&1
"$PY" -m envadvisor diagnose --json --fail-on never >"$OUT/diagnose.json" 2>"$OUT/diagnose.stderr"
"$PY" -m envadvisor diagnose --json --redact --fail-on never >"$OUT/diagnose-redacted.json" 2>>"$OUT/diagnose.stderr"
COLUMNS=120 "$PY" -m envadvisor diagnose --fail-on never >"$OUT/diagnose.txt" 2>>"$OUT/diagnose.stderr"

"$PY" - "$OUT" <<'PY' 2>&1 | tee "$OUT/compare.txt"
import json, resource, statistics, subprocess, sys, time
out = sys.argv[1]
truth = {}
try:
    import torch
    truth = {"torch": torch.__version__, "torch_cuda": torch.version.cuda,
             "cuda_available": torch.cuda.is_available(), "arch_list": torch.cuda.get_arch_list(),
             "cudnn": torch.backends.cudnn.version(),
             "cc": ["%d.%d" % torch.cuda.get_device_capability(i) for i in range(torch.cuda.device_count())]}
except Exception as exc:  # noqa: BLE001
    truth = {"torch_error": repr(exc)}
smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,compute_cap,memory.total",
                      "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=30).stdout
head = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=30).stdout
import re
m = re.search(r"CUDA Version:\s*([\d.]+)", head)
truth["smi_rows"] = [r.strip() for r in smi.splitlines() if r.strip()]
truth["smi_cuda"] = m.group(1) if m else None
rep = json.load(open(f"{out}/diagnose.json"))
f = rep["facts"]
mine = {"driver": f["gpu"]["driver_version"], "driver_cuda": f["gpu"]["driver_cuda"],
        "devices": [(d["name"], d["compute_capability"], d["memory_mib"]) for d in f["gpu"]["devices"]],
        "torch": f["frameworks"]["torch"]["version"], "torch_cuda": f["frameworks"]["torch"]["cuda"],
        "toolkit": f["cuda_toolkit"]["version"], "cudnn": f["cudnn"]["version"],
        "findings": [(x["code"], x["severity"], x["category"]) for x in rep["findings"]]}
print("TRUTH", json.dumps(truth))
print("ENVADVISOR", json.dumps(mine))
def med(argv, n):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); subprocess.run(argv, capture_output=True, timeout=120); ts.append(time.perf_counter() - t)
    return statistics.median(ts)
py = sys.executable
bare = med([py, "-c", "pass"], 7)
diag = med([py, "-m", "envadvisor", "diagnose", "--json", "--fail-on", "never"], 7)
ce = med([py, "-m", "torch.utils.collect_env"], 3)
peak = subprocess.run([py, "-c", "import resource, subprocess, sys; subprocess.run([sys.executable, '-m', "
                       "'envadvisor', 'diagnose', '--json'], capture_output=True); "
                       "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"],
                      capture_output=True, text=True, timeout=120).stdout.strip()
print(f"PEAK diagnose maxrss={int(peak or 0)/1024:.1f} MiB")
print(f"TIMES bare={bare*1000:.0f}ms diagnose={diag*1000:.0f}ms collect_env={ce*1000:.0f}ms "
      f"collect_env/diagnose={ce/diag:.1f}x diagnose/bare={diag/bare:.1f}x")
PY
ls -la "$OUT"
