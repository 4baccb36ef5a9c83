/* A "copy" button for a link the person should keep (progressive enhancement).
 *
 * The button is in the page hidden; where the browser can write to the
 * clipboard (a secure context), this shows it. A click copies the link's
 * address and says so in the status line beside it; where copying is refused,
 * the link's text is selected so that it can be copied by hand.
 */
(function () {
  "use strict";
  if (!navigator.clipboard || typeof navigator.clipboard.writeText !== "function") { return; }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var link = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!link) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(link.href).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied"); }
      }, function () {
        var range = document.createRange();
        range.selectNodeContents(link);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (status) { status.textContent = button.getAttribute("data-select"); }
      });
    });
  });
}());
