/* Voice pack pages: record each clip from the microphone (or upload a file), listen, delete,
   import a pack file, preview a call, listen to the chimes.

   Chromium's MediaRecorder gives webm/opus, which the server's decoder does not read: the
   recording is decoded here (AudioContext.decodeAudioData) and sent as a 16-bit mono WAV. */
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const say = (window.motcuaAdmin && window.motcuaAdmin.flash) || ((text) => console.log(text));

  function errorText(data, fallback) {
    const e = data && data.error;
    if (!e) return fallback;
    return (e.message_vi || e.message || fallback) + (e.message_en && e.message_en !== e.message_vi ? " — " + e.message_en : "");
  }

  async function send(url, method, body, contentType) {
    const headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
    if (contentType) headers["Content-Type"] = contentType;
    const response = await fetch(url, { method, credentials: "same-origin", headers, body });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) throw new Error(errorText(data, "Lỗi " + response.status + " / error " + response.status));
    return data;
  }

  // ------------------------------------------------------------------ WAV encoder
  /** A 16-bit PCM mono WAV (ArrayBuffer) from an AudioBuffer: channels averaged, samples clipped to ±1. */
  function encodeWav(audio) {
    const rate = audio.sampleRate, length = audio.length, channels = audio.numberOfChannels;
    const data = [];
    for (let c = 0; c < channels; c++) data.push(audio.getChannelData(c));
    const out = new DataView(new ArrayBuffer(44 + length * 2));
    const text = (offset, s) => { for (let i = 0; i < s.length; i++) out.setUint8(offset + i, s.charCodeAt(i)); };
    text(0, "RIFF"); out.setUint32(4, 36 + length * 2, true); text(8, "WAVE");
    text(12, "fmt "); out.setUint32(16, 16, true); out.setUint16(20, 1, true); out.setUint16(22, 1, true);
    out.setUint32(24, rate, true); out.setUint32(28, rate * 2, true); out.setUint16(32, 2, true); out.setUint16(34, 16, true);
    text(36, "data"); out.setUint32(40, length * 2, true);
    for (let i = 0; i < length; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += data[c][i];
      const v = Math.max(-1, Math.min(1, sum / channels));
      out.setInt16(44 + i * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);
    }
    return out.buffer;
  }

  async function toWav(blob) {
    const Context = window.AudioContext || window.webkitAudioContext;
    const context = new Context();
    try {
      const decoded = await context.decodeAudioData(await blob.arrayBuffer());
      return encodeWav(decoded);
    } finally {
      if (context.close) context.close();
    }
  }

  // ------------------------------------------------------------------ one clip row
  function setRow(row, clip) {
    const recorded = !!clip;
    row.classList.toggle("recorded", recorded);
    const status = row.querySelector(".clip-status");
    status.textContent = recorded ? "Đã thu" : "Chưa có";
    status.className = "clip-status badge " + (recorded ? "ok" : "warn");
    row.querySelector(".clip-duration").textContent = recorded ? (clip.duration_ms / 1000).toFixed(1).replace(".", ",") + " giây" : "";
    const play = row.querySelector(".play"), del = row.querySelector(".del");
    if (play) play.disabled = !recorded;
    if (del) del.disabled = !recorded;
  }

  function note(row, text, bad) {
    const box = row.querySelector(".clip-message");
    box.textContent = text;
    box.className = "clip-message" + (bad ? " bad" : "");
  }

  async function saveClip(row, body, query, contentType) {
    note(row, "Đang lưu… / Saving…");
    try {
      const clip = await send(row.dataset.url + query, "PUT", body, contentType);
      setRow(row, clip);
      note(row, "Đã lưu / Saved");
      row.dispatchEvent(new CustomEvent("clip-saved", { bubbles: true, detail: clip }));
    } catch (error) {
      note(row, error.message, true);
    }
  }

  const recording = { recorder: null, row: null, chunks: [], stream: null };

  async function startRecording(row) {
    if (recording.recorder) return;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: true } });
      const recorder = new MediaRecorder(stream);
      Object.assign(recording, { recorder, row, chunks: [], stream });
      recorder.addEventListener("dataavailable", (e) => { if (e.data && e.data.size) recording.chunks.push(e.data); });
      recorder.addEventListener("stop", () => finishRecording(row, recorder.mimeType));
      recorder.start();
      row.classList.add("recording");
      row.querySelector(".stop").disabled = false;
      row.querySelector(".rec").disabled = true;
      note(row, "Đang thu… đọc rõ rồi bấm «Dừng» / Recording… press Stop when done");
    } catch (error) {
      note(row, "Không mở được micro: " + error.message + " / Could not open the microphone", true);
    }
  }

  async function finishRecording(row, mimeType) {
    const blob = new Blob(recording.chunks, { type: mimeType || "audio/webm" });
    recording.stream.getTracks().forEach((t) => t.stop());
    Object.assign(recording, { recorder: null, row: null, chunks: [], stream: null });
    row.classList.remove("recording");
    row.querySelector(".stop").disabled = true;
    row.querySelector(".rec").disabled = false;
    try {
      const wav = await toWav(blob);
      await saveClip(row, wav, "?filename=recording.wav&source=recorded", "audio/wav");
    } catch (error) {
      note(row, "Không đọc được bản thu: " + error.message + " / The recording could not be decoded", true);
    }
  }

  const clipAudio = document.getElementById("clip-audio");

  document.addEventListener("click", async (event) => {
    const row = event.target.closest("tr.clip");
    if (!row) return;
    if (event.target.closest(".rec")) startRecording(row);
    else if (event.target.closest(".stop")) { if (recording.recorder && recording.row === row) recording.recorder.stop(); }
    else if (event.target.closest(".play")) {
      clipAudio.src = row.dataset.url + "?t=" + Date.now();  // never an old take from the browser cache
      clipAudio.play().catch((error) => note(row, error.message, true));
    } else if (event.target.closest(".del")) {
      if (!confirm("Xoá đoạn thu này? / Delete this clip?")) return;
      try { await send(row.dataset.url, "DELETE"); setRow(row, null); note(row, "Đã xoá / Deleted"); }
      catch (error) { note(row, error.message, true); }
    }
  });

  document.addEventListener("change", (event) => {
    const input = event.target.closest("tr.clip .upload input[type=file]");
    if (!input || !input.files.length) return;
    const form = new FormData();
    form.append("file", input.files[0]);
    form.append("source", "uploaded");
    saveClip(input.closest("tr.clip"), form, "");
    input.value = "";
  });

  // The microphone needs a secure page: https, or the server's own browser at localhost.
  const micMissing = document.getElementById("mic-missing");
  if (micMissing && !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder)) {
    micMissing.hidden = false;
    document.querySelectorAll("tr.clip .rec").forEach((b) => { b.disabled = true; });
  }

  // ------------------------------------------------------------------ import a pack file
  const importForm = document.getElementById("import-pack");
  if (importForm) {
    importForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = importForm.querySelector(".form-error");
      box.textContent = "";
      try {
        const pack = await send(importForm.dataset.api, "POST", new FormData(importForm));
        say(`Đã nhập «${pack.name}» (${pack.clip_count} đoạn) / Imported`);
        setTimeout(() => location.reload(), 600);
      } catch (error) {
        box.textContent = error.message;
      }
    });
  }

  // ------------------------------------------------------------------ preview a call
  const previewForm = document.getElementById("preview-form");
  const previewAudio = document.getElementById("preview-audio");
  if (previewForm && previewAudio) {
    window.previewState = { playing: false, ended: false, response: null };
    previewAudio.addEventListener("playing", () => { window.previewState.playing = true; });
    previewAudio.addEventListener("ended", () => { window.previewState.ended = true; });
    previewForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = previewForm.elements;
      const body = { number: f.number.value.trim(), counter: parseInt(f.counter.value, 10), kind: f.kind.value };
      if (previewForm.dataset.packId) body.pack_id = parseInt(previewForm.dataset.packId, 10);
      const text = document.getElementById("preview-text"), source = document.getElementById("preview-source");
      text.textContent = "Đang chuẩn bị… / Preparing…";
      source.textContent = "";
      try {
        const data = await send(previewForm.dataset.api, "POST", JSON.stringify(body), "application/json");
        Object.assign(window.previewState, { playing: false, ended: false, response: data });
        text.textContent = "«" + data.text + "»";
        const lacking = data.missing.filter((m) => m.missing && m.missing.length);
        source.textContent = data.pack_id === null
          ? "Giọng máy (trung tâm chưa chọn bộ giọng đọc) / Synthesizer voice (no pack chosen)"
          : lacking.length
            ? "Câu thiếu đoạn thu do máy đọc: " + lacking.map((m) => `«${m.text}» còn thiếu đoạn thu «${m.missing.join("», «")}»`).join("; ")
              + " / Sentences missing clips are said by the synthesizer"
            : "Đọc trọn bằng giọng thu / Said entirely from the recordings";
        previewAudio.src = data.wav_url;
        await previewAudio.play();
      } catch (error) {
        text.textContent = error.message;
      }
    });
  }

  // ------------------------------------------------------------------ listen to a chime
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-chime]");
    if (!button) return;
    event.preventDefault();
    const select = document.getElementById(button.dataset.chime);
    const name = select ? select.value : button.dataset.chime;
    if (name === "none") { say("Không có chuông / No chime"); return; }
    const audio = document.getElementById("chime-audio");
    audio.src = `/api/v1/admin/chimes/${encodeURIComponent(name)}.wav`;
    audio.play().catch((error) => say(error.message, true));
  });

  window.motcuaVoice = { encodeWav };
})();
