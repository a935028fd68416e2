// Live updates of the leaderboard page. When a member of this page's guild changes
// level, fetch this same URL again and swap the fresh rows in: no reload, so the
// reader keeps their scroll position and focus. Plain JavaScript, no build step; the
// vendored Socket.IO client (socket.io.min.js) is loaded before this file.
(function () {
  "use strict";

  var board = document.querySelector("main[data-guild-id]");
  if (!board || typeof window.io !== "function") {
    return;
  }
  var guild = board.getAttribute("data-guild-id");
  var status = document.getElementById("lb-status");
  // The ids render.rs gives the parts that change.
  var SWAPPED = ["lb-rows", "lb-pager", "lb-summary"];
  // One award can emit a level_up and a tool_unlocked, and a burst of awards many:
  // one fetch per quiet moment is enough.
  var DEBOUNCE_MS = 150;

  var timer = null;
  var fetching = false;
  var again = false;

  function twoDigits(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock() {
    var now = new Date();
    return twoDigits(now.getHours()) + ":" + twoDigits(now.getMinutes()) + ":" + twoDigits(now.getSeconds());
  }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function swapFrom(fresh) {
    SWAPPED.forEach(function (id) {
      var current = document.getElementById(id);
      var next = fresh.getElementById(id);
      if (current && next) {
        current.replaceWith(document.importNode(next, true));
      }
    });
  }

  function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        swapFrom(new DOMParser().parseFromString(html, "text/html"));
        board.setAttribute("data-updated", String(Date.now()));
        say("Updated " + clock());
      })
      .catch(function () {
        say("Could not update the leaderboard; reload the page to see the latest.");
      })
      .then(function () {
        fetching = false;
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, DEBOUNCE_MS);
  }

  function onLevelChange(event) {
    if (event && String(event.guild_id) === guild) {
      schedule();
    }
  }

  var socket = window.io();
  var connectedBefore = false;
  socket.on("connect", function () {
    socket.emit("subscribe", { guild_id: guild });
    // Changes made while the connection was down were never pushed: catch up once.
    if (connectedBefore) {
      schedule();
    }
    connectedBefore = true;
  });
  socket.on("subscribed", function () {
    board.setAttribute("data-live", "on");
  });
  socket.on("disconnect", function () {
    board.setAttribute("data-live", "off");
  });
  socket.on("level_up", onLevelChange);
  socket.on("level_down", onLevelChange);
})();
