/* Red-black tree balancing, after the classic formulation: every node is red or black, the
 * root is black, a red node has black children, and every path from a node down to a
 * missing child crosses the same number of black nodes. Insertion and erasure restore
 * these with at most three rotations plus recolouring up the tree. Missing children
 * (NULL) count as black. */
#include "lib/rbtree.h"

static bool is_red(const struct rb_node *n) { return n && n->red; }

/* Make child take old's place under old's parent (or as the root). */
static void change_child(struct rb_node *old, struct rb_node *child, struct rb_node *parent,
			 struct rb_root *root)
{
	if (!parent)
		root->node = child;
	else if (parent->left == old)
		parent->left = child;
	else
		parent->right = child;
}

/* x's right child y moves up: y takes x's place, x becomes y's left child. */
static void rotate_left(struct rb_node *x, struct rb_root *root)
{
	struct rb_node *y = x->right;
	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->parent = x->parent;
	change_child(x, y, x->parent, root);
	y->left = x;
	x->parent = y;
}

static void rotate_right(struct rb_node *x, struct rb_root *root)
{
	struct rb_node *y = x->left;
	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->parent = x->parent;
	change_child(x, y, x->parent, root);
	y->right = x;
	x->parent = y;
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	/* node is red; the only possible violation is a red parent. */
	while (is_red(node->parent)) {
		struct rb_node *parent = node->parent, *gparent = parent->parent;
		bool left = parent == gparent->left;
		struct rb_node *uncle = left ? gparent->right : gparent->left;
		if (is_red(uncle)) { /* recolour and move the problem two levels up */
			parent->red = uncle->red = false;
			gparent->red = true;
			node = gparent;
			continue;
		}
		if (node == (left ? parent->right : parent->left)) { /* make it an outer child */
			left ? rotate_left(parent, root) : rotate_right(parent, root);
			node = parent;
			parent = node->parent;
		}
		parent->red = false;
		gparent->red = true;
		left ? rotate_right(gparent, root) : rotate_left(gparent, root);
	}
	root->node->red = false;
}

/* After a black node was removed from under parent (x, possibly NULL, took its place),
 * paths through x lack one black: push the deficit up or fix it with rotations. */
static void erase_fixup(struct rb_node *x, struct rb_node *parent, struct rb_root *root)
{
	while (x != root->node && !is_red(x)) {
		bool left = x == parent->left;
		struct rb_node *sib = left ? parent->right : parent->left;
		if (is_red(sib)) {
			sib->red = false;
			parent->red = true;
			left ? rotate_left(parent, root) : rotate_right(parent, root);
			sib = left ? parent->right : parent->left;
		}
		struct rb_node *near = left ? sib->left : sib->right;
		struct rb_node *far = left ? sib->right : sib->left;
		if (!is_red(near) && !is_red(far)) {
			sib->red = true;
			x = parent;
			parent = x->parent;
			continue;
		}
		if (!is_red(far)) {
			near->red = false;
			sib->red = true;
			left ? rotate_right(sib, root) : rotate_left(sib, root);
			sib = left ? parent->right : parent->left;
			far = left ? sib->right : sib->left;
		}
		sib->red = parent->red;
		parent->red = false;
		far->red = false;
		left ? rotate_left(parent, root) : rotate_right(parent, root);
		x = root->node;
		break;
	}
	if (x)
		x->red = false;
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *child, *parent;
	bool removed_red;
	if (!node->left || !node->right) {
		child = node->left ? node->left : node->right;
		parent = node->parent;
		removed_red = node->red;
		if (child)
			child->parent = parent;
		change_child(node, child, parent, root);
	} else {
		/* Two children: the successor (leftmost of the right subtree) takes node's place
		 * and colour; the tree loses a node where the successor was. */
		struct rb_node *succ = node->right;
		while (succ->left)
			succ = succ->left;
		child = succ->right;
		removed_red = succ->red;
		if (succ->parent == node) {
			parent = succ;
		} else {
			parent = succ->parent;
			parent->left = child;
			if (child)
				child->parent = parent;
			succ->right = node->right;
			node->right->parent = succ;
		}
		succ->left = node->left;
		node->left->parent = succ;
		succ->parent = node->parent;
		succ->red = node->red;
		change_child(node, succ, node->parent, root);
	}
	if (!removed_red)
		erase_fixup(child, parent, root);
}

void rb_replace_node(struct rb_node *victim, struct rb_node *new, struct rb_root *root)
{
	*new = *victim;
	if (victim->left)
		victim->left->parent = new;
	if (victim->right)
		victim->right->parent = new;
	change_child(victim, new, victim->parent, root);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->node;
	while (n && n->left)
		n = n->left;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	if (node->right) {
		node = node->right;
		while (node->left)
			node = node->left;
		return (struct rb_node *)node;
	}
	while (node->parent && node == node->parent->right)
		node = node->parent;
	return node->parent;
}
