"""Where a dataset's files are and which of them pair: layout discovery.

`folders` walks a dataset folder and finds its image folders and their mask folders; `naming`
says what file and folder names mean (the key that pairs an image with its mask, a split's
word, a band's); `pairing` pairs the files of one folder pair by those rules; `channel_files`,
`band_words` and `band_files` find the files of one image's channels; `rival_namings` and
`complementary_masks` settle several mask namings for one image folder, `numbered_masks` tells
the namings that number an image's objects (a mask each); `unmasked` finds the
images shipped without a mask because there is nothing to mark. What the layouts build from it
is `data.layouts`.
"""
