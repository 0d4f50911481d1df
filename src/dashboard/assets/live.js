// Scalelite's dashboard: refreshes the pool's figures every few seconds without reloading the page; a session
// that has ended sends the browser to the sign-in page.
(function () {
  var live = document.getElementById("live");
  if (!live) { return; }
  var every = (parseInt(live.getAttribute("data-every"), 10) || 5) * 1000;
  function refresh() {
    fetch("/scalelite/dashboard/live" + window.location.search, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) {
          window.location.href = "/scalelite/dashboard/sign-in?expired=1";
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== undefined) { live.innerHTML = html; }
      })
      .catch(function () { /* the next round tries again */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
