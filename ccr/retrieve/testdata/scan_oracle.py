# Regenerates scan_oracle.json: the four marker patterns of the reference
# scanner (spec 2.2), run by Python re, over texts that probe their edges.
# Usage: python3 scan_oracle.py > scan_oracle.json
import re, json
P=[re.compile(r"\[(\d+) \w+ compressed to (\d+)\. Retrieve more: hash=([a-f0-9]{24})\]"),
   re.compile(r"\[(\d+) \w+ compressed\. hash=([a-f0-9]{24})\]"),
   re.compile(r"\[.*?compressed.*?hash=([a-f0-9]{24})\]", re.IGNORECASE),
   re.compile(r"<<ccr:([a-f0-9]{12,24})\b")]
h24="0123456789abcdef01234567"; h12="a1b2c3d4e5f6"; H=h24.upper()
texts = [
 f"[40 items compressed to 5. Retrieve more: hash={h24}]",
 f"[٤٢ élém compressed to ٣. Retrieve more: hash={h24}]",
 f"[7 lines compressed. hash={h24}]",
 f"[120 lines compressed to 8. Retrieve full diff: hash={h24}]",
 f"[Diff COMPRESSED hash={H}]",
 f"# [300 tokens compressed. Retrieve more: hash={h24}. Expires in 30m.]",
 f"x <<ccr:{h24}>> y",
 f"<<ccr:{h12} 40_rows_offloaded>>",
 f"<<ccr:{h12},base64,2.0KB>>",
 f"<<ccr:{h24}0>>",
 f"<<ccr:{h12[:11]}>>",
 f"<<ccr:{h12}é>>",
 f"<<ccr:{h12}_>>",
 f"<<ccr:{h12}->>",
 f"<<ccr:{h12}A>>",
 f"<<ccr:{h12}",
 f"<<ccr:{h12}\u0301>>",
 f"[2 a compressed. hash={h24}] <<ccr:{h12}>> [9 rows compressed to 1. Retrieve more: hash={h24}] <<ccr:{h12}>> <<ccr:ffffffffffff>>",
 f"[a\nb compressed hash={h24}]",
 f"[1 items compressed to 2. Retrieve more: hash={h24}] [x compressed y hash={'f'*24}] [3 z compressed. hash={'e'*24}]",
]
out=[]
for t in texts:
    found=[]
    for p in P:
        for m in p.finditer(t):
            h=m.group(m.lastindex)
            if h not in found: found.append(h)
    out.append({"text":t,"want":found})
print(json.dumps(out, ensure_ascii=False, indent=1))
