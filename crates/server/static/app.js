// The keys the pages offer work only with this script: say so to the stylesheet, which shows
// their hints only then.
document.documentElement.classList.add("js");

// A form that destroys or decides something asks first: its data-confirm is the question.
// Without the script the form says the same in words beside its button.
document.addEventListener("submit", function (e) {
  var form = e.target;
  var by = e.submitter;
  var question = (by && by.getAttribute("data-confirm")) ||
    (form.getAttribute && form.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) e.preventDefault();
}, true);

// The receipt prints on its own.
document.addEventListener("click", function (e) {
  var link = e.target.closest && e.target.closest("a.print");
  if (!link) return;
  e.preventDefault();
  document.body.classList.add("printing-receipt");
  window.print();
  document.body.classList.remove("printing-receipt");
});

// The desk: the reader's input stays focused; a complete MRZ checks itself, F9 records, Esc
// clears. Everything here only speeds up forms that work without it.
(function () {
  "use strict";
  var input = document.getElementById("mrz");
  if (!input) return;
  var check = document.getElementById("check");
  var record = document.getElementById("record");

  function complete(text) {
    var lines = text.split(/\r?\n/).map(function (l) { return l.trim(); }).filter(Boolean);
    var widths = lines.map(function (l) { return l.length; }).join(",");
    return widths === "44,44" || widths === "36,36" || widths === "30,30,30";
  }

  function clearDesk() {
    input.value = "";
    document.querySelectorAll(".verdict, .traveller, .recent, .notice, .error").forEach(function (el) {
      el.remove();
    });
    record = null;
    input.focus();
  }

  var saved = window.localStorage && localStorage.getItem("bp_direction");
  if (saved && !document.querySelector(".verdict")) {
    var radio = check.querySelector('input[name="direction"][value="' + saved + '"]');
    if (radio) radio.checked = true;
  }
  check.addEventListener("change", function (e) {
    if (e.target.name === "direction" && window.localStorage) {
      localStorage.setItem("bp_direction", e.target.value);
    }
  });

  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && complete(input.value)) {
      e.preventDefault();
      check.requestSubmit();
    }
  });
  input.addEventListener("input", function () {
    // Readers that end with a line feed: check as soon as the last line is in.
    if (/\n\s*$/.test(input.value) && complete(input.value)) check.requestSubmit();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "F9" && record) {
      e.preventDefault();
      // The form's main button names what F9 records: the crossing, or the refusal when the
      // rules deny.
      record.requestSubmit(record.querySelector("button.record"));
    } else if (e.key === "Escape") {
      e.preventDefault();
      clearDesk();
    }
  });
  var clearButton = document.getElementById("clear");
  if (clearButton) clearButton.addEventListener("click", clearDesk);
  // One traveller at a time. After a check, the document read stays in the box selected, so
  // that the next read replaces it; and as soon as anything new is typed, the last verdict and
  // its Record button go, so that F9 can never record the traveller before.
  var checked = document.querySelector(".verdict") ? input.value : null;
  input.addEventListener("input", function () {
    if (checked === null) return;
    var now = input.value;
    if (now.length > checked.length && now.indexOf(checked) === 0) {
      // Typed after the old read instead of over it: the old read goes.
      input.value = now.slice(checked.length).replace(/^\s+/, "");
    }
    checked = null;
    document.querySelectorAll(".verdict, .traveller, .recent, .notice, .error").forEach(function (el) {
      el.remove();
    });
    record = null;
    if (/\n\s*$/.test(input.value) && complete(input.value)) check.requestSubmit();
  });
  // After a check or a record, the next document goes straight in.
  if (document.querySelector(".notice")) input.value = "";
  input.focus();
  if (checked !== null) {
    input.select();
  } else {
    input.setSelectionRange(input.value.length, input.value.length);
  }
})();

// The gangway scan: a handheld scanner types the code and Enter; the camera's frames go to
// the server, which reads the code and hands it back to be checked like a typed one.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) return;
  var code = document.getElementById("code");
  code.value = "";
  // The scanner types into the box wherever it is; the guard looks at the verdict, so it is
  // the verdict that is brought into view, not the box.
  code.focus({ preventScroll: true });
  var verdict = document.getElementById("verdict");
  if (verdict) verdict.scrollIntoView({ block: "start" });
  code.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && code.value.trim() !== "") {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  var button = document.getElementById("camera");
  var video = document.getElementById("viewfinder");
  if (!button || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  button.hidden = false;
  var label = button.textContent;
  var stream = null, timer = null, busy = false;
  var canvas = document.createElement("canvas");
  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
    button.textContent = label;
  }
  function grab() {
    if (busy || !video.videoWidth) return;
    busy = true;
    var scale = Math.min(1, 1280 / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(function (blob) {
      fetch("/scan/frame", {
        method: "POST",
        headers: { "x-csrf": document.getElementById("csrf").value, "content-type": "image/jpeg" },
        body: blob,
        credentials: "same-origin"
      }).then(function (r) {
        return r.status === 200 ? r.json() : null;
      }).then(function (found) {
        busy = false;
        if (found && found.seal_base64) {
          stop();
          code.value = found.seal_base64;
          form.requestSubmit();
        }
      }).catch(function () { busy = false; });
    }, "image/jpeg", 0.85);
  }
  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        video.play();
        button.textContent = button.dataset.stop;
        timer = setInterval(grab, 350);
      })
      .catch(function () {
        button.textContent = button.dataset.denied;
      });
  });
})();
