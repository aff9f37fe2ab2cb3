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
      record.requestSubmit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      clearDesk();
    }
  });
  var clearButton = document.getElementById("clear");
  if (clearButton) clearButton.addEventListener("click", clearDesk);
  // After a check or a record, the next document goes straight in.
  if (document.querySelector(".notice")) input.value = "";
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
})();
