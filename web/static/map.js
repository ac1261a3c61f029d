// Maps, as an enhancement: a .map element's list of places (each with
// data-lat and data-lon) becomes a Leaflet map above the list, and a
// .pin-picker's latitude and longitude inputs get a map to set them with a
// pin. Without JavaScript the list links to each place on openstreetmap.org
// and the inputs take typed coordinates.
"use strict";
(function () {
  if (!window.L) return;

  function tiles(box, map) {
    var layer = L.tileLayer(box.dataset.tiles, { maxZoom: 19 });
    layer.addTo(map);
    map.attributionControl.setPrefix(false);
    var credit = document.createElement(box.dataset.attributionUrl ? "a" : "span");
    if (box.dataset.attributionUrl) credit.href = box.dataset.attributionUrl;
    credit.textContent = box.dataset.attribution;
    map.attributionControl.addAttribution(credit.outerHTML);
  }

  function canvas(box) {
    var div = document.createElement("div");
    div.className = "map-canvas";
    div.setAttribute("role", "region");
    div.setAttribute("aria-label", box.dataset.label);
    box.insertBefore(div, box.firstChild);
    return div;
  }

  document.querySelectorAll(".map").forEach(function (box) {
    var places = box.querySelectorAll("li[data-lat]");
    if (!places.length) return;
    var map = L.map(canvas(box), { scrollWheelZoom: false });
    tiles(box, map);
    var bounds = [];
    places.forEach(function (li) {
      var at = [parseFloat(li.dataset.lat), parseFloat(li.dataset.lon)];
      var popup = document.createElement("div");
      var name = document.createElement("strong");
      name.textContent = li.dataset.name;
      popup.appendChild(name);
      if (li.dataset.link) {
        var a = document.createElement("a");
        a.href = li.dataset.link;
        a.textContent = li.querySelector("a") ? li.querySelector("a").textContent : li.dataset.name;
        popup.appendChild(document.createElement("br"));
        popup.appendChild(a);
      }
      L.marker(at, { title: li.dataset.name, alt: li.dataset.name }).addTo(map).bindPopup(popup);
      bounds.push(at);
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
  });

  document.querySelectorAll(".pin-picker").forEach(function (box) {
    var lat = box.querySelector("input[name$=latitude]");
    var lon = box.querySelector("input[name$=longitude]");
    if (!lat || !lon) return;
    var div = canvas(box);
    box.appendChild(div);
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = box.dataset.hint;
    box.appendChild(hint);
    var map = L.map(div);
    tiles(box, map);
    var marker = null;
    function read() {
      var a = parseFloat(lat.value.replace(",", ".")), b = parseFloat(lon.value.replace(",", "."));
      return isNaN(a) || isNaN(b) ? null : [a, b];
    }
    function place(at) {
      if (marker) {
        marker.setLatLng(at);
        return;
      }
      marker = L.marker(at, { draggable: true, title: box.dataset.label, alt: box.dataset.label }).addTo(map);
      marker.on("dragend", function () { set(marker.getLatLng()); });
    }
    function set(ll) {
      lat.value = ll.lat.toFixed(5);
      lon.value = ll.lng.toFixed(5);
      place([ll.lat, ll.lng]);
    }
    var at = read();
    if (at) {
      map.setView(at, 16);
      place(at);
    } else {
      map.setView([52.2, 5.3], 7); // the Netherlands
    }
    map.on("click", function (e) { set(e.latlng); });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var at = read();
        if (at) {
          place(at);
          map.panTo(at);
        }
      });
    });
  });
})();
