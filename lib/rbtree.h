/* Red-black trees: balanced binary search trees whose nodes live inside the objects they
 * order (lib/rbtree.c). The caller searches and picks the place itself, comparing
 * however it likes (KSM compares page contents), then links the node and lets the tree
 * rebalance: height stays below 2 log2(n + 1).
 *
 *   struct rb_node **link = &root->node, *parent = NULL;
 *   while (*link) { parent = *link; link = less(x, parent) ? &parent->left : &parent->right; }
 *   rb_link_node(&x->node, parent, link);
 *   rb_insert_color(&x->node, root);
 *
 * No locking inside: the owner of the tree guards it. */
#ifndef RBTREE_H
#define RBTREE_H

#include "lib/compiler.h"

struct rb_node {
	struct rb_node *parent, *left, *right;
	bool red;
};

struct rb_root {
	struct rb_node *node;
};

#define RB_ROOT ((struct rb_root){ NULL })
#define rb_entry(ptr, type, member) container_of(ptr, type, member)

static inline bool rb_empty(const struct rb_root *root) { return root->node == NULL; }

/* Put node (a new leaf) at *link, under parent (NULL for the root). Then rb_insert_color. */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->parent = parent;
	node->left = node->right = NULL;
	node->red = true;
	*link = node;
}

/* Rebalance after rb_link_node. */
void rb_insert_color(struct rb_node *node, struct rb_root *root);
/* Remove node from the tree. */
void rb_erase(struct rb_node *node, struct rb_root *root);
/* Put new in victim's place (same position in the order), colour and links included. */
void rb_replace_node(struct rb_node *victim, struct rb_node *new, struct rb_root *root);
/* In-order walk: the smallest node, the next one, or NULL. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);

#endif
