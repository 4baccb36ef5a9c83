// Reading mode (templates/participation/staff/read.html): keys for the links and
// buttons that carry data-key (1-9: put the view in that theme; arrows: previous,
// next). Without this script everything works by tapping or tabbing.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var control = document.querySelector('[data-key="' + event.key + '"]');
    if (!control) return;
    event.preventDefault();
    control.click();
  });
})();
