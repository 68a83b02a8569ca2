// Quote picking: turn a mouse selection in the source text into the quote field and the
// selection's character offset. The server anchors the quote again, so the offset is only a hint
// for which occurrence was meant; nothing here decides what is stored.
(function () {
  "use strict";

  function offsetWithin(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function init() {
    var text = document.getElementById("source-text");
    var form = document.getElementById("quote-form");
    if (!text || !form) { return; }
    var quote = form.querySelector("[name=quote]");
    var near = form.querySelector("[name=near]");
    var status = document.getElementById("selection-status");
    var occurrences = form.querySelectorAll("[name=occurrence]");

    // The occurrences offered are those of the quote as it was sent: a new selection or a
    // changed quote makes them stale, so the choice goes.
    function forgetOccurrences() {
      for (var i = 0; i < occurrences.length; i++) {
        occurrences[i].checked = false;
        var row = occurrences[i].closest(".form-row");
        if (row) { row.hidden = true; }
      }
    }

    function takeSelection() {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
      var range = selection.getRangeAt(0);
      if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) { return; }
      var start = offsetWithin(text, range.startContainer, range.startOffset);
      var end = offsetWithin(text, range.endContainer, range.endOffset);
      quote.value = range.toString();
      near.value = String(start);
      forgetOccurrences();
      status.textContent = "Selected characters " + start + "–" + end + " (" + (end - start) + " characters).";
    }

    text.addEventListener("mouseup", takeSelection);
    text.addEventListener("keyup", takeSelection);
    // Typing or pasting a quote by hand drops the position hint of an earlier selection.
    quote.addEventListener("input", function () {
      near.value = "";
      status.textContent = "";
      forgetOccurrences();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
