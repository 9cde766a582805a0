#!/usr/bin/env python3
"""Build assets/demo/demo_call.wav and its exact ground truth assets/demo/demo_call.json.

A 8 kHz stereo G.711 mu-law call (WAV format tag 7), agent on channel 0, customer on channel 1,
assembled from real recorded utterances placed at known times:

* agent: the male LibriVox reader of "Sense and Sensibility" ch. 1 shipped in the Debian package
  pocketsphinx-testdata (natural F0 about 95-110 Hz, i.e. a low voice, not pitch-shifted).
  Two of his five utterances are cut in two at a word boundary (a short natural dip in the
  energy; the words on each side were checked by DTW alignment against espeak-ng), so the
  agent has seven utterances in six turns.
* customer: Allison Smith's Asterisk English prompts (Debian asterisk-core-sounds-en-wav).

Each utterance is trimmed to its real speech edges with sox `silence` (-40 dBFS after peak
normalisation to -6 dBFS), some agent turns are time-stretched with sox `tempo -s` to designed
speaking rates, every utterance is band-limited to 300-3400 Hz (sox sinc) and peak-normalised to
-6 dBFS. The agent channel also gets band-limited pink noise (-45 dBFS RMS, fixed seed) and a
faint echo of the customer (customer channel delayed 40 ms at -26 dB).

Needs: python3 (standard library only), sox, and the Debian packages asterisk-core-sounds-en-wav
and pocketsphinx-testdata. Deterministic: fixed noise seed, sox run with -R -D (no dither).
Usage: python3 make_demo_call.py [OUT_DIR]   (default: the directory of this script)
"""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import wave

SR = 8000
ALLISON = "/usr/share/asterisk/sounds/en_US_f_Allison"
SPHINX = "/usr/share/pocketsphinx/test/data/librivox"
LV = SPHINX + "/sense_and_sensibility_01_austen_64kb-%s.wav"
SEED = 20240611

PEAK_DB = -6.0          # speech peaks
TRIM_DB = "-40d"        # speech-edge threshold after peak normalisation
NOISE_DB = -45.0        # agent-side background (pink) noise, RMS dBFS after band-limiting
ECHO_DB = -26.0         # far-end echo gain in the agent channel
ECHO_S = 0.040          # echo delay
LEAD_S = 1.00           # silence before the first word
TAIL_S = 1.80           # silence after the last word

# Customer utterances: id -> (Allison prompts, transcript, syllables (CMU dictionary counts)).
CUST = {
    "hello": (["hello"], "Hello.", 2),
    "wrong": (["something-terribly-wrong"], "Something is terribly wrong!", 7),
    "weasels": (["tt-weasels"], "Weasels have eaten our phone system", 9),
    "dialed": (["cannot-complete-as-dialed"], "Your call cannot be completed as dialed.", 11),
    "check": (["check-number-dial-again"], "Please check the number and dial again.", 10),
    "nobody": (["vm-nobodyavail"], "Nobody is available to take your call at the moment", 17),
    "mailbox": (["vm-mailboxfull"], "sorry but the user's mail box can't accept more messages", 16),
    "number": (["vm-num-i-have"], "the number i have is", 6),
    # A phone number read out: single-digit prompts joined with DIGIT_GAP_S between them.
    "digits": (["digits/5", "digits/5", "digits/5", "digits/2", "digits/1", "digits/4", "digits/8"],
               "five five five two one four eight", 7),
    "feature": (["feature-not-avail-line"], "That feature is not available on this line.", 12),
    "thanks": (["auth-thankyou"], "Thank you.", 2),
    "goodbye": (["goodbye"], "Goodbye!", 2),
}
DIGIT_GAP_S = 0.08
# Agent utterances: id -> (LibriVox utterance, cut (start, end) in s of the source file or None,
# transcript, syllables). Cut points sit in natural energy dips between "leisure | to" and
# "woman | he".
AGENT = {
    "ill": ("0880", None, "he was not an ill disposed young man", 9),
    "unless": ("0890", None, "unless to be rather cold hearted and rather selfish is to be ill disposed", 20),
    "leisure": ("0870", (0.0, 2.75), "and mister john dashwood had then leisure", 10),
    "consider": ("0870", (2.75, None), "to consider how much there might be prudently in his power to do for them", 20),
    "married": ("0920", (0.0, 2.55), "had he married a more a amiable woman", 13),
    "respectable": ("0920", (2.55, None), "he might have been made still more respectable than he was", 14),
    "amiable": ("0930", None, "he might even have been made amiable himself", 13),
}
# Designed agent speaking rates (syllables per second of speech). Adjacent levels differ by
# 19-23 %, so every change between levels is a deliberate pace change (>= 15 %).
LEVELS = {"slow": 3.3, "mid": 4.0, "fast": 4.9}

# The call. Each turn: speaker, utterance ids, pauses inside the turn (s), and where it starts
# relative to the end of the previous turn (negative = starts before it ends, i.e. overlap).
# For agent turns that offset is the designed reply gap.
SCRIPT = [
    ("customer", ["hello", "wrong"], [0.40], None),
    ("agent", ["ill", "unless"], [0.45], 1.00, "slow"),          # in window; two utterances
    ("customer", ["weasels"], [], 0.85),
    ("agent", ["leisure"], [], 0.30, "fast"),                   # early
    ("customer", ["dialed", "check"], [0.50], 0.95),
    ("agent", ["consider"], [], 0.90, "fast"),                  # in window
    ("customer", ["nobody", "mailbox"], [0.55], 0.70),
    ("agent", ["married"], [], 2.00, "fast"),                   # late
    ("customer", ["number", "digits"], [0.30], 5.50),           # after a 5.5 s silence
    ("agent", ["respectable"], [], -0.30, "slow"),              # overlap: 0.3 s early
    ("customer", ["feature"], [], 0.80),
    ("agent", ["amiable"], [], 1.15, "mid"),                    # in window
    ("customer", ["thanks", "goodbye"], [0.35], 0.90),
]


def sox(*args):
    subprocess.run(["sox", "-R", "-D", "-V1"] + [str(a) for a in args], check=True)


def read_mono(path):
    with wave.open(path) as w:
        assert w.getframerate() == SR and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        n = w.getnframes()
        return list(struct.unpack("<%dh" % n, w.readframes(n)))


def dur(path):
    with wave.open(path) as w:
        return w.getnframes() / w.getframerate()


def trim_chain():
    """sox effects: peak-normalise, cut leading and trailing silence (real speech edges)."""
    return ["gain", "-n", PEAK_DB, "silence", 1, 0.02, TRIM_DB,
            "reverse", "silence", 1, 0.02, TRIM_DB, "reverse"]


def finish_chain():
    """sox effects: telephone band, peak -6 dBFS, re-trim the edges."""
    return ["sinc", "300-3400", "gain", "-n", PEAK_DB, "silence", 1, 0.01, TRIM_DB,
            "reverse", "silence", 1, 0.01, TRIM_DB, "reverse"]


def finish(src, dst, pre=()):
    """Runs pre + finish_chain, then 5 ms fades (a second pass: the length is known there)."""
    mid = dst + ".mid.wav"
    sox(src, mid, *(list(pre) + finish_chain()))
    sox(mid, dst, "fade", "t", 0.005, 0, 0.005)
    os.remove(mid)


def prepare(tmp):
    """Returns id -> dict(path, dur, syllables, text, source, tempo) of finished utterances."""
    out = {}
    for uid, (prompts, text, syl) in CUST.items():
        parts = []
        for k, prompt in enumerate(prompts):
            part = os.path.join(tmp, "c_%s_%d.wav" % (uid, k))
            sox("%s/%s.wav" % (ALLISON, prompt), "-r", SR, "-c", 1, "-b", 16, part, *trim_chain())
            parts.append(part)
        t1 = os.path.join(tmp, "c_%s_trim.wav" % uid)
        if len(parts) == 1:
            os.rename(parts[0], t1)
        else:
            gap = os.path.join(tmp, "gap.wav")
            sox("-n", "-r", SR, "-c", 1, "-b", 16, gap, "trim", 0, DIGIT_GAP_S)
            joined = [parts[0]]
            for part in parts[1:]:
                joined += [gap, part]
            sox(*(joined + [t1]))
        fin = os.path.join(tmp, "c_%s.wav" % uid)
        finish(t1, fin)
        out[uid] = dict(path=fin, syllables=syl, text=text, tempo=1.0,
                        source="asterisk-core-sounds-en-wav: " + " + ".join(p + ".wav" for p in prompts))
    # Agent: 8 kHz, noise reduction from the recording's own leading silence, optional cut,
    # trim. The tempo is chosen per turn below.
    for uid, (utt, cut, text, syl) in AGENT.items():
        src = LV % utt
        r8 = os.path.join(tmp, "lv%s_8k.wav" % utt)
        prof = os.path.join(tmp, "lv%s.prof" % utt)
        nr = os.path.join(tmp, "lv%s_nr.wav" % utt)
        if not os.path.exists(nr):
            sox(src, "-r", SR, "-c", 1, "-b", 16, r8)
            sox(r8, "-n", "trim", 0, 0.15, "noiseprof", prof)
            sox(r8, nr, "noisered", prof, 0.25)
        trim = ["trim", cut[0]] + (["=%s" % cut[1]] if cut and cut[1] else []) if cut else []
        t1 = os.path.join(tmp, "a_%s_trim.wav" % uid)
        sox(nr, t1, *(trim + trim_chain()))
        out[uid] = dict(path=t1, raw=t1, syllables=syl, text=text,
                        source="pocketsphinx-testdata: librivox/sense_and_sensibility_01_austen_64kb-%s.wav%s"
                        % (utt, " [%.2f-%s s]" % (cut[0], ("%.2f" % cut[1]) if cut[1] else "end") if cut else ""))
    return out


def stretch_agent(tmp, utts):
    """Per agent turn: tempo so the finished turn speaks at its designed rate (a few refinement
    passes, since trimming after the stretch moves the edges a little). Returns the tempos."""
    tempos = []
    for turn in SCRIPT:
        if turn[0] != "agent":
            continue
        ids, level = turn[1], LEVELS[turn[4]]
        syl = sum(utts[u]["syllables"] for u in ids)
        tempo = round(level * sum(dur(utts[u]["raw"]) for u in ids) / syl, 3)
        for _ in range(4):
            used = tempo
            for u in ids:
                fin = os.path.join(tmp, "a_%s.wav" % u)
                pre = ["tempo", "-s", tempo] if abs(tempo - 1.0) > 1e-9 else []
                finish(utts[u]["raw"], fin, pre)
                utts[u]["path"] = fin
                utts[u]["tempo"] = tempo
            rate = syl / sum(dur(utts[u]["path"]) for u in ids)
            if abs(rate / level - 1) < 0.01:
                break
            tempo = round(tempo * level / rate, 3)
        tempos.append(used)
    return tempos


def pink_noise(n, rng):
    """Paul Kellet's pink-noise filter over seeded white noise."""
    b0 = b1 = b2 = b3 = b4 = b5 = b6 = 0.0
    out = [0.0] * n
    for i in range(n):
        w = rng.uniform(-1.0, 1.0)
        b0 = 0.99886 * b0 + w * 0.0555179
        b1 = 0.99332 * b1 + w * 0.0750759
        b2 = 0.96900 * b2 + w * 0.1538520
        b3 = 0.86650 * b3 + w * 0.3104856
        b4 = 0.55000 * b4 + w * 0.5329522
        b5 = -0.7616 * b5 - w * 0.0168980
        out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362
        b6 = w * 0.115926
    return out


def write_mono(path, x):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(struct.pack("<%dh" % len(x), *[max(-32768, min(32767, int(round(v)))) for v in x]))


def main():
    out_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        utts = prepare(tmp)
        tempos = stretch_agent(tmp, utts)
        # Every length and position is a whole number of milliseconds (8 samples), so the
        # 3-decimal times in the label are exact: drop the last < 1 ms of each (faded) utterance.
        for u in utts.values():
            u["n"] = len(read_mono(u["path"])) // 8 * 8

        # Placement, on the sample grid.
        segments, turns, gaps, placed = [], [], [], []
        t = LEAD_S
        prev_end = None
        for turn in SCRIPT:
            spk, ids, pauses, offset = turn[0], turn[1], turn[2], turn[3]
            start = t if prev_end is None else prev_end + offset
            pos = round(start * 1000) * 8
            turn_start = pos
            for k, u in enumerate(ids):
                n = utts[u]["n"]
                placed.append((spk, u, pos))
                segments.append(dict(speaker=spk, start=round(pos / SR, 3), end=round((pos + n) / SR, 3),
                                     syllables=utts[u]["syllables"], text=utts[u]["text"],
                                     source=utts[u]["source"]))
                pos += n
                if k < len(pauses):
                    pos += round(pauses[k] * 1000) * 8
            turn_end = pos
            turns.append(dict(speaker=spk, start=round(turn_start / SR, 3), end=round(turn_end / SR, 3)))
            if spk == "agent" and len(turns) >= 2 and turns[-2]["speaker"] == "customer":
                ce, ast = turns[-2]["end"], turns[-1]["start"]
                gaps.append(dict(customer_end=ce, agent_start=ast, gap_s=round(ast - ce, 3),
                                 designed_s=offset))
            prev_end = turn_end / SR
        total = round((prev_end + TAIL_S) * SR)

        agent = [0.0] * total
        cust = [0.0] * total
        for spk, u, pos in placed:
            x = read_mono(utts[u]["path"])[:utts[u]["n"]]
            ch = agent if spk == "agent" else cust
            for i, v in enumerate(x):
                ch[pos + i] += v
        # Far-end echo of the customer in the agent channel.
        g = 10 ** (ECHO_DB / 20)
        d = round(ECHO_S * SR)
        for i in range(d, total):
            agent[i] += g * cust[i - d]
        # Band-limited pink noise at NOISE_DB RMS.
        rng = random.Random(SEED)
        pn = os.path.join(tmp, "pink.wav")
        pnb = os.path.join(tmp, "pink_tel.wav")
        raw = pink_noise(total + SR, rng)
        peak = max(abs(v) for v in raw)
        write_mono(pn, [v / peak * 16000 for v in raw])
        sox(pn, pnb, "sinc", "300-3400")
        nb = read_mono(pnb)[SR // 2: SR // 2 + total]
        rms = math.sqrt(sum(v * v for v in nb) / len(nb))
        k = 32768 * 10 ** (NOISE_DB / 20) / rms
        for i in range(total):
            agent[i] += k * nb[i]

        stereo = os.path.join(tmp, "call16.wav")
        with wave.open(stereo, "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(SR)
            inter = []
            for a, c in zip(agent, cust):
                inter.append(max(-32768, min(32767, int(round(a)))))
                inter.append(max(-32768, min(32767, int(round(c)))))
            w.writeframes(struct.pack("<%dh" % len(inter), *inter))
        peak_a = max(abs(v) for v in agent)
        peak_c = max(abs(v) for v in cust)
        assert max(peak_a, peak_c) < 32000, "clipping"
        wav_out = os.path.join(out_dir, "demo_call.wav")
        sox(stereo, "-r", SR, "-c", 2, "-e", "u-law", "-b", 8, wav_out)

        # Pace per agent turn, from the finished segment durations.
        pace = []
        ai = 0
        for turn, tr in zip(SCRIPT, turns):
            if turn[0] != "agent":
                continue
            segs = [s for s in segments if s["speaker"] == "agent" and tr["start"] <= s["start"] < tr["end"]]
            speech = round(sum(s["end"] - s["start"] for s in segs), 3)
            syl = sum(s["syllables"] for s in segs)
            pace.append(dict(start=tr["start"], end=tr["end"], syllables_per_s=round(syl / speech, 3),
                             syllables=syl, speech_s=round(speech, 3), tempo=tempos[ai],
                             design_level=turn[4], design_syllables_per_s=LEVELS[turn[4]]))
            ai += 1
        changes = []
        for a, b in zip(pace, pace[1:]):
            if abs(b["syllables_per_s"] - a["syllables_per_s"]) >= 0.15 * a["syllables_per_s"]:
                changes.append(dict(t=b["start"], **{"from": a["syllables_per_s"], "to": b["syllables_per_s"]}))
        silences = []
        spans = sorted((s["start"], s["end"]) for s in segments)
        cover = spans[0][1]
        for s, e in spans[1:]:
            if s - cover >= 3.0:
                silences.append(dict(start=round(cover, 3), end=round(s, 3), dur_s=round(s - cover, 3)))
            cover = max(cover, e)
        overlaps = []
        for a in (s for s in segments if s["speaker"] == "agent"):
            for c in (s for s in segments if s["speaker"] == "customer"):
                lo, hi = max(a["start"], c["start"]), min(a["end"], c["end"])
                if hi > lo:
                    overlaps.append(dict(start=round(lo, 3), end=round(hi, 3), dur_s=round(hi - lo, 3)))
        talk = {spk: round(sum(s["end"] - s["start"] for s in segments if s["speaker"] == spk), 3)
                for spk in ("agent", "customer")}

        label = {
            "kind": "call", "sample_rate": SR, "encoding": "mulaw", "layout": "stereo",
            "channels": {"agent": 0, "customer": 1},
            "duration_s": round(total / SR, 3),
            "segments": segments,
            "turns": turns,
            "reply_gaps": gaps,
            "agent": {"tempo_per_turn": tempos, "pace": pace, "pace_changes": changes,
                      "talk_s": talk["agent"]},
            "customer": {"talk_s": talk["customer"]},
            "overlaps": overlaps,
            "long_silences": silences,
            "conditions": {"codec": "mulaw", "agent_band": "telephone", "customer_band": "telephone",
                           "agent_noise": "pink", "agent_noise_dbfs": NOISE_DB, "echo_db": ECHO_DB,
                           "echo_delay_ms": ECHO_S * 1000, "speech_peak_dbfs": PEAK_DB,
                           "hum_hz": None, "channels_swapped": False},
            "voices": {"agent": "LibriVox reader (Sense and Sensibility ch. 1), from pocketsphinx-testdata",
                       "agent_sex": "M", "agent_pitch_shift": None,
                       "customer": "Allison Smith (Asterisk English prompts)", "customer_sex": "F"},
            "notes": ["segments: start/end are the trimmed speech edges of each placed utterance",
                      "reply_gaps[].designed_s is the designed gap; gap_s = agent_start - customer_end",
                      "syllables: CMU pronouncing dictionary counts of each utterance's transcript",
                      "agent F0 is the speaker's natural F0 (about 95-110 Hz), not a designed contour; "
                      "no exact F0 truth is given"],
        }
        with open(os.path.join(out_dir, "demo_call.json"), "w") as f:
            json.dump(label, f, indent=1)
            f.write("\n")
    print("wrote %s (%.3f s)" % (wav_out, total / SR))


if __name__ == "__main__":
    main()
