import threading
def test_zz_sig():
    for line in open("/proc/self/status"):
        if line.startswith(("SigIgn", "SigBlk")):
            print("MASK", line.strip())
    print("threads", [t.name for t in threading.enumerate()])
