/* Unpacking the boot module (a newc cpio archive) into the file tree. */
#ifndef INITRAMFS_H
#define INITRAMFS_H

/* Add every entry of the first boot module to the tree: files keep pointing into the
 * module's memory, which stays reserved. A corrupt archive is reported in one line and
 * the entries read so far are kept. After vfs_init. */
void initramfs_load(void);

#endif
