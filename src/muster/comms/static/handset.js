// Muster handset: one WebSocket, text and push-to-talk clips, acknowledgements, catch-up.
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || sessionStorage.getItem("muster-token") || "";
  if (token) sessionStorage.setItem("muster-token", token);
  const $ = (id) => document.getElementById(id);
  const seen = new Set();
  let socket = null;
  let personId = "";
  let backoff = 500;
  let recorder = null;
  let chunks = [];
  let refs = 0;
  let wantTalk = false;

  function cursorKey() { return "muster-cursor-" + (personId || "anon"); }
  function cursor() { return Number(localStorage.getItem(cursorKey()) || "0"); }
  function keepCursor(n) { if (n > cursor()) localStorage.setItem(cursorKey(), String(n)); }

  // The record's signed checkpoints this handset has seen (hello and pong carry the
  // newest), kept across reloads: copies of the record's head outside the database, for
  // muster audit verify --checkpoint. The newest KEEP are kept.
  const CHECKPOINTS = "muster-checkpoints";
  const KEEP = 50;
  function keptCheckpoints() {
    try { return JSON.parse(localStorage.getItem(CHECKPOINTS) || "[]"); } catch (e) { return []; }
  }
  function keepCheckpoint(signed) {
    if (!signed || typeof signed.signature !== "string") return;
    const kept = keptCheckpoints().filter((c) => c.signature !== signed.signature);
    kept.push(signed);
    kept.sort((a, b) => a.size - b.size);
    localStorage.setItem(CHECKPOINTS, JSON.stringify(kept.slice(-KEEP)));
    $("record").textContent = "Record signed: " + signed.size + " events at " + signed.at +
      ", key " + signed.key_id;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    $("error").textContent = "Not connected; try again in a moment.";
    return false;
  }

  function playClip(item, msg) {
    const audio = document.createElement("audio");
    audio.controls = true;
    if (msg.clip_data) {
      const bytes = Uint8Array.from(atob(msg.clip_data), (c) => c.charCodeAt(0));
      audio.src = URL.createObjectURL(new Blob([bytes], { type: msg.clip_mime || "audio/webm" }));
    } else {
      audio.src = msg.clip_url;
    }
    audio.addEventListener("playing", () => {
      item.dataset.played = "1";
      send({ type: "read", message_id: msg.id });
    });
    item.appendChild(audio);
    audio.play().catch(() => { item.dataset.played = "blocked"; });
  }

  function showMessage(msg) {
    const key = msg.id + ":" + msg.cursor;
    if (seen.has(key)) return;
    seen.add(key);
    keepCursor(msg.cursor || 0);
    send({ type: "delivered", message_id: msg.id });
    const item = document.createElement("li");
    item.className = msg.precedence;
    item.dataset.id = msg.id;
    item.dataset.reason = msg.reason || "";
    const meta = document.createElement("div");
    meta.className = "meta";
    const prec = document.createElement("span");
    prec.className = "prec";
    prec.textContent = msg.precedence;
    meta.append(prec, " " + msg.channel + " from " + msg.sender + " at " + msg.sent_at);
    if (msg.reason === "comms.message.resent") meta.append(" (repeated: answer now)");
    if (msg.reason === "comms.message.escalated") meta.append(" (escalated: a post is silent)");
    item.appendChild(meta);
    if (msg.text) {
      const body = document.createElement("p");
      body.className = "text";
      body.textContent = msg.text;
      item.appendChild(body);
    }
    if (msg.clip_id) playClip(item, msg);
    if (msg.requires_ack && msg.reason !== "comms.message.escalated") {
      const ack = document.createElement("button");
      ack.type = "button";
      ack.className = "ack";
      ack.textContent = "Acknowledge";
      const ackKey = "ack-" + msg.id + "-" + personId;
      ack.addEventListener("click", () => {
        if (send({ type: "ack", message_id: msg.id, key: ackKey })) ack.disabled = true;
      });
      item.appendChild(ack);
    }
    $("messages").prepend(item);
  }

  function onFrame(frame) {
    if (frame.type === "hello" || frame.type === "pong") keepCheckpoint(frame.checkpoint);
    if (frame.type === "hello") {
      personId = frame.person_id;
      $("status").textContent = "Connected as " + frame.name;
      const select = $("channel");
      const chosen = select.value;
      select.replaceChildren();
      for (const ch of frame.channels) {
        const opt = document.createElement("option");
        opt.value = ch.id;
        opt.textContent = ch.name + " (" + ch.kind + ")";
        select.appendChild(opt);
      }
      if (chosen) select.value = chosen;
      showPosts(frame.posts || []);
    } else if (frame.type === "message") {
      showMessage(frame);
    } else if (frame.type === "alert") {
      $("error").textContent = "No answer yet from " + frame.silent_count + " recipient(s).";
    } else if (frame.type === "floor") {
      if (frame.channel_id === $("channel").value) {
        const talking = frame.event === "granted" || frame.event === "interrupted";
        $("floor").textContent = talking ? frame.holder + " is talking" : "";
      }
      if (frame.event === "denied") $("error").textContent = frame.holder + " has the floor.";
    } else if (frame.type === "error") {
      $("error").textContent = frame.detail;
    } else if (frame.type === "sent") {
      $("error").textContent = "";
    }
  }

  // Reports from the post go to the posts API with the handset's own token; the server
  // decides whether it may report for that post.
  function showPosts(posts) {
    const select = $("post");
    const chosen = select.value;
    select.replaceChildren();
    for (const post of posts) {
      const opt = document.createElement("option");
      opt.value = post.id;
      opt.textContent = post.name;
      select.appendChild(opt);
    }
    if (chosen) select.value = chosen;
    $("post-report").hidden = posts.length === 0;
  }

  function newKey() {
    return "handset-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  let reportKey = newKey();  // kept until an answer comes: a retry files the report once

  async function postTo(path, body, key) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (key) headers["Idempotency-Key"] = key;
    const response = await fetch("/api/v1/posts/" + encodeURIComponent($("post").value) + path,
      { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.detail || "refused (" + response.status + ")");
    return answer;
  }

  function said(text, failed) {
    const result = $("report-result");
    result.textContent = text;
    result.className = failed ? "refused" : "";
  }

  $("report").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = new FormData($("report"));
    const body = { status: form.get("status"), text: String(form.get("text") || "").trim() };
    for (const name of ["visitors", "residents", "armed", "station_dead", "station_wounded",
      "visitors_dead", "visitors_wounded"]) {
      const value = String(form.get(name) || "").trim();
      if (value) body[name] = Number(value);
    }
    $("send-report").disabled = true;
    postTo("/reports", body, reportKey)
      .then((report) => {
        said("Report sent: " + report.status.replace(/_/g, " ") + " at " +
          report.reported_at.slice(11, 19) + ".", false);
        reportKey = newKey();
        $("report").reset();
      })
      .catch((err) => said("Refused: " + err.message, true))
      .finally(() => { $("send-report").disabled = false; });
  });

  $("help").addEventListener("click", () => {
    $("help").disabled = true;
    const text = String(new FormData($("report")).get("text") || "").trim();
    postTo("/help", { text: text }, null)
      .then(() => said("Help called: the commander and the post's officers are paged.", false))
      .catch((err) => said("Refused: " + err.message, true))
      .finally(() => { $("help").disabled = false; });
  });

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams({ after: String(cursor()) });
    if (token) query.set("token", token);
    socket = new WebSocket(scheme + "//" + location.host + "/api/v1/handsets/ws?" + query);
    socket.addEventListener("open", () => { backoff = 500; });
    socket.addEventListener("message", (ev) => onFrame(JSON.parse(ev.data)));
    const asking = setInterval(() => send({ type: "ping" }), 60000);  // the newest checkpoint
    socket.addEventListener("close", () => clearInterval(asking));
    socket.addEventListener("close", (ev) => {
      $("status").textContent = "Disconnected (" + (ev.reason || ev.code) + "); reconnecting...";
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    });
  }

  $("compose").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    const frame = {
      type: "text", ref: ++refs, text: text,
      channel_id: $("channel").value, precedence: $("precedence").value,
    };
    if (send(frame)) $("text").value = "";
  });

  async function startTalking() {
    wantTalk = true;
    $("talk").setAttribute("aria-pressed", "true");
    send({ type: "floor", action: "request", channel_id: $("channel").value,
      precedence: $("precedence").value });
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mime = MediaRecorder.isTypeSupported("audio/webm;codecs=opus")
      ? "audio/webm;codecs=opus" : "audio/webm";
    chunks = [];
    recorder = new MediaRecorder(stream, { mimeType: mime });
    recorder.addEventListener("dataavailable", (ev) => { if (ev.data.size) chunks.push(ev.data); });
    recorder.addEventListener("stop", async () => {
      stream.getTracks().forEach((t) => t.stop());
      const blob = new Blob(chunks, { type: "audio/webm" });
      const buffer = new Uint8Array(await blob.arrayBuffer());
      let binary = "";
      for (let i = 0; i < buffer.length; i += 0x8000) {
        binary += String.fromCharCode.apply(null, buffer.subarray(i, i + 0x8000));
      }
      send({ type: "clip", ref: ++refs, mime: "audio/webm", data: btoa(binary),
        channel_id: $("channel").value, precedence: $("precedence").value });
    });
    recorder.start(250);
    if (!wantTalk) stopTalking();  // released before the microphone opened
  }

  function stopTalking() {
    wantTalk = false;
    $("talk").setAttribute("aria-pressed", "false");
    if (recorder && recorder.state !== "inactive") recorder.stop();
    recorder = null;
  }

  $("talk").addEventListener("pointerdown", () => {
    startTalking().catch((err) => { $("error").textContent = "Microphone: " + err.message; });
  });
  $("talk").addEventListener("pointerup", stopTalking);
  $("talk").addEventListener("pointerleave", () => { if (recorder) stopTalking(); });
  connect();
})();
