#!/usr/bin/env bash
# Builds recordings/demo_call.wav: a 8 kHz stereo G.711 mu-law call, agent on channel 0,
# customer on channel 1, from Asterisk's English prompts (Allison Smith, CC BY-SA 3.0).
# The agent is the same real voice lowered by 9 semitones (about 115 Hz) and with some
# turns time-stretched so the pace changes. Deterministic: sox noise uses a fixed seed.
# Needs: apt-get install -y sox asterisk-core-sounds-en-wav
set -euo pipefail
src=/usr/share/asterisk/sounds/en
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Trim leading/trailing silence of a prompt: utterance edges are the speech edges.
trim() { sox "$src/$1.wav" -r 8000 -c 1 -b 16 "$work/$2.wav" silence 1 0.02 1% reverse silence 1 0.02 1% reverse; }
# Agent voice: lowered 900 cents, with a tempo factor for the turn's pace.
agent() { sox "$work/$1.wav" "$work/$2.wav" pitch -900 tempo -s "$3" rate 8000; }

trim vm-tocallnum c1; trim queue-callswaiting c2; trim followme/sorry c3
trim pbx-invalid c4; trim tt-weasels c5; trim vm-leavemsg c6
trim queue-thankyou a1r; trim agent-loginok a2r; trim conf-getpin a3r
trim vm-savedto a4r; trim privacy-prompt a5r; trim hello-world a6r; trim queue-reporthold a7r
agent a1r a1 1.0; agent a2r a2 1.0; agent a3r a3 1.25; agent a4r a4 1.25
agent a5r a5 0.8; agent a6r a6 0.8; agent a7r a7 1.0

# Placement: speaker utterance start(s). Gaps are designed around the 0.8-1.2 s window.
events=(
  "c c1 0.50"
  "a a1 _1.00"     # reply 1.0 s after the customer: in window
  "a a2 _0.40"     # pause inside the agent's turn
  "c c2 _0.90"
  "a a3 _0.30"     # early reply
  "c c3 _1.10"
  "a a4 _2.10"     # late reply
  "a a5 _0.50"
  "c c4 _1.00"
  "a a6 _-0.40"    # agent starts before the customer ends: overlap
  "c c5 _6.00"     # long silence before the customer speaks again
  "a a7 _0.95"     # in window
  "c c6 _1.05"
)
t=0; cust=(); agnt=(); labels=()
for e in "${events[@]}"; do
  read -r who name at <<<"${e%%#*}"
  dur=$(soxi -D "$work/$name.wav")
  if [[ $at == _* ]]; then start=$(echo "$t + ${at#_}" | bc -l); else start=$at; fi
  end=$(echo "$start + $dur" | bc -l)
  sox "$work/$name.wav" "$work/p_$name.wav" pad "$start"
  if [[ $who == c ]]; then cust+=("$work/p_$name.wav"); else agnt+=("$work/p_$name.wav"); fi
  labels+=("$who $start $end")
  t=$end
done
total=$(echo "$t + 1.5" | bc -l)
mix() { local out=$1; shift; if (($# == 1)); then cp "$1" "$out"; else sox -m "$@" "$out"; fi; sox "$out" "$work/tmp.wav" pad 0 "$total" trim 0 "$total"; mv "$work/tmp.wav" "$out"; }
mix "$work/cust.wav" "${cust[@]}"
mix "$work/agent_dry.wav" "${agnt[@]}"
# Telephone band, faint far-end echo (40 ms, -26 dB) and room noise in the agent channel.
sox "$work/cust.wav" "$work/cust_tel.wav" sinc 300-3400 gain -n -6
sox "$work/cust_tel.wav" "$work/echo.wav" pad 0.04 trim 0 "$total" vol -26 dB
sox -R -n -r 8000 -c 1 "$work/noise.wav" synth "$total" pinknoise vol -48 dB
sox "$work/agent_dry.wav" "$work/agent_tel.wav" sinc 300-3400 gain -n -6
sox -m "$work/agent_tel.wav" "$work/echo.wav" "$work/noise.wav" "$work/agent.wav"
sox -M "$work/agent.wav" "$work/cust_tel.wav" -r 8000 -e u-law -b 8 "$here/demo_call.wav"
printf '%s\n' "${labels[@]}" > "$here/demo_call.placement.txt"
echo "wrote $here/demo_call.wav ($(soxi -D "$here/demo_call.wav") s)"
