#!/bin/sh
# Regenerates the small media files the fake ComfyUI saves as outputs
# (SaveVideo, SaveWEBM, SaveAnimatedWEBP, SaveAnimatedPNG, SaveAudio*, VHS).
# Needs ffmpeg (Debian: apt-get install ffmpeg). Only the outputs are committed.
set -e
cd "$(dirname "$0")"
q="-hide_banner -loglevel error -y"
frames="testsrc2=size=64x64:rate=8:duration=1"
# SaveVideo fed by CreateVideo: H.264 yuv420p in mp4, as ComfyUI writes it.
ffmpeg $q -f lavfi -i "$frames" -c:v libx264 -pix_fmt yuv420p -preset veryslow -crf 40 -movflags +faststart -map_metadata -1 -fflags +bitexact -flags:v +bitexact video.mp4
# SaveWEBM: vp9 yuv420p.
ffmpeg $q -f lavfi -i "$frames" -c:v libvpx-vp9 -pix_fmt yuv420p -crf 50 -b:v 0 -map_metadata -1 -fflags +bitexact video.webm
# SaveAnimatedWEBP, SaveAnimatedPNG (APNG) and VHS's image/gif.
ffmpeg $q -f lavfi -i "testsrc2=size=64x64:rate=4:duration=1" -c:v libwebp_anim -loop 0 -quality 30 -map_metadata -1 animated.webp
ffmpeg $q -f lavfi -i "testsrc2=size=32x32:rate=4:duration=1" -plays 0 -f apng -map_metadata -1 animated.png
ffmpeg $q -f lavfi -i "testsrc2=size=32x32:rate=4:duration=1" -map_metadata -1 animated.gif
# SaveAudio / PreviewAudio (FLAC), SaveAudioMP3, SaveAudioOpus (Opus in Ogg).
ffmpeg $q -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=0.25" -ac 1 -c:a flac -map_metadata -1 -fflags +bitexact audio.flac
ffmpeg $q -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=0.5" -ac 1 -c:a libmp3lame -b:a 32k -map_metadata -1 -fflags +bitexact audio.mp3
ffmpeg $q -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=0.5" -ac 1 -c:a libopus -b:a 16k -map_metadata -1 -fflags +bitexact audio.opus
