/* The battle map and a project's strip on a narrow screen: each chart's frame is scrolled
   so that today's line shows (two thirds across the marks, with the overdue ones to its
   left), and a focused mark's name (a tap on an overdue mark) is scrolled into the frame.
   Without JavaScript the charts are complete and open at their first month: the hint
   (.tl-swipe) says to swipe to today, and says so no more once this has run. */
(function () {
  "use strict";

  function shown(element) {
    return element.getClientRects().length > 0;
  }

  // The width the sticky column of names covers at the frame's left (0 on a strip).
  function covered(frame) {
    var names = frame.querySelector(".tl-names, .tl-corner");
    return names && shown(names) ? names.getBoundingClientRect().width : 0;
  }

  function toToday(frame) {
    if (frame.scrollWidth <= frame.clientWidth) return;
    var line = Array.prototype.find.call(frame.querySelectorAll(".tl-today"), shown);
    if (!line) return;
    var left = covered(frame);
    var view = frame.clientWidth - left;
    var at = line.getBoundingClientRect().left - frame.getBoundingClientRect().left;
    if (at >= left + view * 0.15 && at <= left + view * 0.85) return;  // in view already
    frame.scrollLeft += at - left - view * 0.65;
  }

  function nameInView(frame, mark) {
    var tip = mark.querySelector(".tl-tip");
    if (!tip || !shown(tip)) return;
    var box = frame.getBoundingClientRect();
    var rect = tip.getBoundingClientRect();
    var left = box.left + covered(frame) + 6;
    var right = box.left + frame.clientWidth - 6;
    if (rect.left < left) frame.scrollLeft -= left - rect.left;
    else if (rect.right > right) frame.scrollLeft += Math.min(rect.right - right, rect.left - left);
    var axis = frame.querySelector(".tl-axis");
    var top = box.top + frame.clientTop + (axis && shown(axis) ? axis.offsetHeight : 0) + 4;
    if (rect.top < top) frame.scrollTop -= top - rect.top;
  }

  var frames = document.querySelectorAll(".tl-frame");
  Array.prototype.forEach.call(frames, function (frame) {
    toToday(frame);
    frame.addEventListener("focusin", function (event) {
      var mark = event.target.closest && event.target.closest(".tl-mark");
      if (mark) nameInView(frame, mark);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".tl-swipe[data-scrolled]"), function (hint) {
    hint.textContent = hint.getAttribute("data-scrolled");
  });
})();
