// The Copy button of the profile page: hidden in the HTML (without script the mention stays selectable text), shown here.
const copy = document.getElementById('copy');
if (copy && navigator.clipboard) {
  copy.hidden = false;
  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(copy.dataset.mention).then(
      () => {
        copy.textContent = 'Copied';
      },
      () => {
        copy.textContent = 'Select and copy';
      },
    );
  });
}
