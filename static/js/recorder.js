/* Record a spoken view in the browser (progressive enhancement).
 *
 * Without JavaScript, or where MediaRecorder is missing, the form's file input
 * works on its own. With it, this records from the microphone, lets the person
 * listen back and record again, and puts the recording into that same file
 * input, so the form is sent exactly as with a chosen file.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-recorder]");
  if (!root) { return; }
  var input = document.getElementById(root.getAttribute("data-input"));
  var consent = document.getElementById(root.getAttribute("data-consent"));
  var supported = input && consent && window.MediaRecorder && navigator.mediaDevices &&
    typeof navigator.mediaDevices.getUserMedia === "function" && typeof window.DataTransfer === "function";
  if (supported) {
    try { new window.DataTransfer(); } catch (e) { supported = false; }
  }
  if (!supported) { return; }

  var maxSeconds = parseInt(root.getAttribute("data-max-seconds"), 10) || 600;
  var maxBytes = parseInt(root.getAttribute("data-max-bytes"), 10) || 0;
  var status = root.querySelector("[data-status]");
  var preview = root.querySelector("[data-preview]");
  var buttons = {
    record: root.querySelector("[data-action=record]"),
    stop: root.querySelector("[data-action=stop]"),
    again: root.querySelector("[data-action=again]")
  };
  var recorder = null;
  var timer = null;
  var previewUrl = null;

  function message(name) { return root.getAttribute("data-msg-" + name) || ""; }
  function say(text) { status.textContent = text; }
  function show(which) {
    Object.keys(buttons).forEach(function (key) { buttons[key].hidden = which.indexOf(key) < 0; });
  }
  function pickType() {
    var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
    for (var i = 0; i < types.length; i++) {
      if (window.MediaRecorder.isTypeSupported && window.MediaRecorder.isTypeSupported(types[i])) { return types[i]; }
    }
    return "";
  }
  function extension(type) {
    if (type.indexOf("ogg") >= 0) { return "ogg"; }
    if (type.indexOf("mp4") >= 0) { return "m4a"; }
    return "webm";
  }
  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function clearRecording() {
    input.value = "";
    if (previewUrl) { URL.revokeObjectURL(previewUrl); previewUrl = null; }
    preview.removeAttribute("src");
    preview.hidden = true;
  }

  function start() {
    if (!consent.checked) {
      say(message("consent"));
      consent.focus();
      return;
    }
    clearRecording();
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var type = pickType();
      var chunks = [];
      recorder = type ? new window.MediaRecorder(stream, { mimeType: type }) : new window.MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (event) {
        if (event.data && event.data.size) { chunks.push(event.data); }
      });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        window.clearInterval(timer);
        var mime = (recorder.mimeType || type || "audio/webm").split(";")[0];
        var blob = new Blob(chunks, { type: mime });
        var transfer = new window.DataTransfer();
        transfer.items.add(new File([blob], "recording." + extension(mime), { type: mime }));
        input.files = transfer.files;
        previewUrl = URL.createObjectURL(blob);
        preview.src = previewUrl;
        preview.hidden = false;
        recorder = null;
        show(["again"]);
        say(message("done"));
      });
      var seconds = 0;
      recorder.start(1000);
      show(["stop"]);
      say(message("recording") + " " + clock(0));
      buttons.stop.focus();
      timer = window.setInterval(function () {
        seconds += 1;
        say(message("recording") + " " + clock(seconds));
        if (seconds >= maxSeconds && recorder) { recorder.stop(); }
      }, 1000);
    }).catch(function () {
      say(message("denied"));
    });
  }

  buttons.record.addEventListener("click", start);
  buttons.again.addEventListener("click", start);
  buttons.stop.addEventListener("click", function () {
    if (recorder && recorder.state !== "inactive") { recorder.stop(); }
  });
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (file && maxBytes && file.size > maxBytes) {
      input.value = "";
      say(message("too-large"));
    }
  });
  show(["record"]);
  root.hidden = false;
})();
